package stock_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

const key = "p1@w1"

func reserveCmd(order string, qty int64) *pb.StockCommand {
	return stamped(&pb.StockCommand{CommandId: "reserve-" + order, ProductId: "p1", WarehouseId: "w1",
		Kind: &pb.StockCommand_Reserve{Reserve: &pb.Reserve{OrderId: order, Quantity: qty, AllowPartial: true}}})
}

func releaseCmd(order string, qty int64) *pb.StockCommand {
	return stamped(&pb.StockCommand{CommandId: "release-" + order, ProductId: "p1", WarehouseId: "w1",
		Kind: &pb.StockCommand_Release{Release: &pb.Release{OrderId: order, Quantity: qty, Reason: "test"}}})
}

func commitCmd(order string, qty int64) *pb.StockCommand {
	return stamped(&pb.StockCommand{CommandId: "commit-" + order, ProductId: "p1", WarehouseId: "w1",
		Kind: &pb.StockCommand_Commit{Commit: &pb.Commit{OrderId: order, Quantity: qty}}})
}

var sagaOffset int64

// stamped gives a command the next stamp of one saga input partition.
func stamped(c *pb.StockCommand) *pb.StockCommand {
	sagaOffset++
	c.Source, c.SourceOffset = "order-commands/0", sagaOffset
	return c
}

func receiveCmd(id string, qty int64) *pb.StockCommand {
	return &pb.StockCommand{CommandId: id, ProductId: "p1", WarehouseId: "w1", CorrelationId: id,
		Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{Kind: pb.AdjustKind_ADJUST_KIND_RECEIVE, Quantity: qty, Reason: "po"}}}
}

// send applies cmd and returns the level with the changes it stored for the relay.
func send(t *testing.T, gkt *tester.Tester, cmd *pb.StockCommand) *pb.StockLevel {
	t.Helper()
	gokatest.Send(t, gkt, topics.StockCommands, key, cmd)
	return gkt.TableValue(topics.StockTable, key).(*pb.StockLevel)
}

func TestProcessorAppliesEachStampOnceAndStoresItsReply(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	send(t, gkt, receiveCmd("a1", 5))
	first := reserveCmd("o1", 3)
	level := send(t, gkt, first)
	if r := level.GetChanges()[0].GetReply(); r.GetOrderId() != "o1" || r.GetStatus() != ok || r.GetQuantity() != 3 || r.GetCommandId() != first.GetCommandId() {
		t.Fatalf("stored reply %v, want o1 ok x 3", r)
	}
	version := level.GetVersion()
	if level = send(t, gkt, first); level.GetReserved() != 3 || level.GetVersion() != version {
		t.Fatalf("a re-sent reserve changed the level: reserved %d version %d", level.GetReserved(), level.GetVersion())
	}
	level = send(t, gkt, reserveCmd("o2", 3))
	if r := level.GetChanges()[0].GetReply(); r.GetStatus() != insufficient || r.GetQuantity() != 2 || level.GetReserved() != 5 {
		t.Fatalf("partial reserve: reply %v, reserved %d; want insufficient x 2, reserved 5", r, level.GetReserved())
	}
	if m := level.GetChanges()[0].GetMovement(); m.GetKind() != pb.MovementKind_MOVEMENT_KIND_RESERVE || m.GetReservedDelta() != 2 {
		t.Errorf("stored movement %v, want reserve +2", m)
	}
	if a := level.GetChanges()[0].GetAlert(); a.GetKind() != pb.StockAlertKind_STOCK_ALERT_KIND_OUT_OF_STOCK {
		t.Errorf("stored alert %v, want out of stock", a)
	}
	if level = send(t, gkt, commitCmd("o1", 3)); level.GetOnHand() != 2 || level.GetReserved() != 2 {
		t.Fatalf("after commit: %d/%d, want on_hand 2 reserved 2", level.GetOnHand(), level.GetReserved())
	}
	level = send(t, gkt, releaseCmd("o2", 2))
	if level.GetOnHand() != 2 || level.GetReserved() != 0 {
		t.Fatalf("after commit and release: %d/%d, want on_hand 2 reserved 0", level.GetOnHand(), level.GetReserved())
	}
	if r := send(t, gkt, releaseCmd("o3", 1)).GetChanges()[0].GetReply(); r.GetStatus() != pb.ReplyStatus_REPLY_STATUS_NO_HOLD {
		t.Errorf("releasing more than is reserved answered %v, want NO_HOLD", r)
	}
}

// A flash sale leaves tens of thousands of unpaid orders holding stock on
// one level: its stored value and the cost of each command must not grow.
func TestALevelWithFiftyThousandOpenHoldsStaysSmall(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	const holds = 50_000
	send(t, gkt, receiveCmd("a1", holds+10))
	var level *pb.StockLevel
	for i := range holds {
		level = send(t, gkt, reserveCmd("o"+strconv.Itoa(i), 1))
	}
	if level.GetReserved() != holds {
		t.Fatalf("reserved %d, want %d", level.GetReserved(), holds)
	}
	if level = send(t, gkt, commitCmd("o1", 1)); level.GetReserved() != holds-1 {
		t.Fatalf("after one commit: reserved %d, want %d", level.GetReserved(), holds-1)
	}
	level = send(t, gkt, releaseCmd("o2", 1))
	if level.GetOnHand() != holds+9 || level.GetReserved() != holds-2 {
		t.Fatalf("after one commit and one release: %d/%d, want %d/%d", level.GetOnHand(), level.GetReserved(), holds+9, holds-2)
	}
	data, err := schemas.StockLevelCodec.Encode(level)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 1024 {
		t.Fatalf("stored value is %d bytes with %d open holds, want under 1 KiB", len(data), holds)
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
