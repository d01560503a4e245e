package stock_test

import (
	"testing"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

const key = "p1@w1"

func reserveCmd(order string, qty int64) *pb.StockCommand {
	return &pb.StockCommand{CommandId: "c-" + order, ProductId: "p1", WarehouseId: "w1",
		Kind: &pb.StockCommand_Reserve{Reserve: &pb.Reserve{OrderId: order, Quantity: qty, AllowPartial: true}}}
}

func receiveCmd(id string, qty int64) *pb.StockCommand {
	return &pb.StockCommand{CommandId: id, ProductId: "p1", WarehouseId: "w1", CorrelationId: id,
		Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{Kind: pb.AdjustKind_ADJUST_KIND_RECEIVE, Quantity: qty, Reason: "po"}}}
}

func TestProcessorReservesAndRepliesOncePerOrder(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	replies := gkt.NewQueueTracker(string(topics.StockReplies))
	movements := gkt.NewQueueTracker(string(topics.StockMovements))

	gokatest.Send(t, gkt, topics.StockCommands, key, receiveCmd("a1", 5))
	gokatest.Send(t, gkt, topics.StockCommands, key, reserveCmd("o1", 3))
	gokatest.Send(t, gkt, topics.StockCommands, key, reserveCmd("o1", 3)) // redelivered
	gokatest.Send(t, gkt, topics.StockCommands, key, reserveCmd("o2", 3))

	level := gkt.TableValue(topics.StockTable, key).(*pb.StockLevel)
	if level.GetOnHand() != 5 || level.GetReserved() != 5 {
		t.Fatalf("level %d/%d, want on_hand 5 reserved 5", level.GetOnHand(), level.GetReserved())
	}
	keys, rs := gokatest.Drain[*pb.StockReply](t, replies)
	want := []struct {
		order  string
		status pb.ReplyStatus
		qty    int64
	}{{"o1", ok, 3}, {"o1", ok, 3}, {"o2", insufficient, 2}}
	if len(rs) != len(want) {
		t.Fatalf("got %d replies, want %d", len(rs), len(want))
	}
	for i, w := range want {
		if keys[i] != w.order || rs[i].GetStatus() != w.status || rs[i].GetQuantity() != w.qty {
			t.Errorf("reply %d = %s %v x %d, want %s %v x %d", i, keys[i], rs[i].GetStatus(), rs[i].GetQuantity(), w.order, w.status, w.qty)
		}
	}
	if _, ms := gokatest.Drain[*pb.StockMovement](t, movements); len(ms) != 3 {
		t.Errorf("got %d movements, want 3 (receive, reserve o1, reserve o2)", len(ms))
	}
}

func TestProcessorAnswersAdjustmentsOnTheOutcomesTopic(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))

	gokatest.Send(t, gkt, topics.StockCommands, key, receiveCmd("a1", 5))
	count := &pb.StockCommand{CommandId: "a2", ProductId: "p1", WarehouseId: "w1", CorrelationId: "a2",
		Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{Kind: pb.AdjustKind_ADJUST_KIND_COUNT, Quantity: 9, Reason: "count", ExpectedOnHand: new(int64)}}}
	gokatest.Send(t, gkt, topics.StockCommands, key, count)

	keys, os := gokatest.Drain[*pb.Outcome](t, outcomes)
	if len(os) != 2 || keys[0] != "a1" || keys[1] != "a2" {
		t.Fatalf("outcomes %v, want a1 then a2", keys)
	}
	if os[0].GetStockLevel().GetOnHand() != 5 {
		t.Errorf("a1 outcome %v, want on_hand 5", os[0])
	}
	if p := os[1].GetProblem(); p.GetCode() != pb.ErrorCode_ERROR_CODE_CONFLICT || p.GetField() != "expected_on_hand" {
		t.Errorf("a2 outcome %v, want a conflict on expected_on_hand", os[1])
	}
}

func TestPoisonMessagesAreDeadLetteredAndProcessingGoesOn(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	dead := gkt.NewQueueTracker(string(topics.DeadLetters))

	gkt.Consume(string(topics.StockCommands), key, []byte{0xff, 0xff, 0xff})                               // not protobuf
	gokatest.Send(t, gkt, topics.StockCommands, "p1@w2", reserveCmd("o1", 1))                              // wrong key
	gokatest.Send(t, gkt, topics.StockCommands, key, &pb.StockCommand{ProductId: "p1", WarehouseId: "w1"}) // no kind
	gokatest.Send(t, gkt, topics.StockCommands, key, receiveCmd("a1", 5))

	_, letters := gokatest.Drain[*pb.DeadLetter](t, dead)
	if len(letters) != 3 {
		t.Fatalf("got %d dead letters, want 3", len(letters))
	}
	for _, l := range letters {
		if l.GetSourceTopic() != string(topics.StockCommands) || l.GetGroup() != string(topics.StockGroup) || l.GetError() == "" {
			t.Errorf("dead letter lacks its origin: %v", l)
		}
	}
	if level := gkt.TableValue(topics.StockTable, key).(*pb.StockLevel); level.GetOnHand() != 5 {
		t.Fatalf("on_hand %d after the poison messages, want 5", level.GetOnHand())
	}
}
