package orders_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func orderCmd(id string, p *pb.PlaceOrder) *pb.OrderCommand {
	return &pb.OrderCommand{CommandId: id, OrderId: id, CorrelationId: id, Kind: &pb.OrderCommand_Place{Place: p}}
}

func TestPoisonOrderMessagesAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	cmds, replies := topics.OrderCommands, topics.StockReplies
	cmd := func(name, key string, c *pb.OrderCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: cmds, Key: key, Value: gokatest.Encode(c)}
	}
	rep := func(name, key string, r *pb.StockReply) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: replies, Key: key, Value: gokatest.Encode(r)}
	}
	// o1 waits for the reply to its reserve of 2 × p1 at w1.
	o1 := place(line("p1", 2, "w1"))
	s, _, err := orders.Place("o1", o1, now)
	if err != nil {
		t.Fatal(err)
	}
	reserveID := s.GetOutstanding()[0].GetCommandId()
	held := func(product, warehouse string, kind pb.StockCommandKind, qty int64) *pb.StockReply {
		return &pb.StockReply{CommandId: reserveID, OrderId: "o1", ProductId: product, WarehouseId: warehouse, Kind: kind,
			Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: qty, Requested: 2}
	}
	reserve := pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE
	pay := &pb.OrderCommand{CommandId: "pay", OrderId: "o9", CorrelationId: "pay", Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{}}}
	goodID := func(i int) string { return "good-" + strconv.Itoa(i) }

	gokatest.PoisonSuite{
		Group: topics.OrdersGroup, Graph: orders.Graph(), Table: topics.OrdersTable,
		Outputs: []goka.Stream{topics.Outcomes, topics.StockCommands, topics.TimerCommands},
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, cmds, "o1", orderCmd("o1", o1))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_command_bytes", Topic: cmds, Key: "o1", Value: []byte{0xff, 0xff}},
			cmd("a_command_without_kind", "o1", &pb.OrderCommand{CommandId: "c1", OrderId: "o1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: cmds, Key: "o1",
				Value: gokatest.WithUnknownField(gokatest.Encode(&pb.OrderCommand{CommandId: "c2", OrderId: "o1"}), 99)},
			cmd("a_place_without_lines", "o2", orderCmd("o2", place())),
			cmd("a_place_with_a_line_of_nothing", "o2", orderCmd("o2", place(line("p1", 0, "w1")))),
			cmd("a_place_with_a_line_without_product", "o2", orderCmd("o2", place(line("", 1, "w1")))),
			cmd("a_payment_for_an_unknown_order", "o9", pay),
			cmd("a_command_on_another_orders_key", "o1", orderCmd("o2", place(line("p1", 1, "w1")))),
			{Name: "undecodable_reply_bytes", Topic: replies, Key: "o1", Value: []byte{0x08, 0xff}},
			rep("a_reply_on_another_orders_key", "o2", held("p1", "w1", reserve, 2)),
			rep("a_reply_of_an_unknown_kind", "o1", held("p1", "w1", pb.StockCommandKind(42), 2)),
			rep("a_reply_for_another_product", "o1", held("p7", "w1", reserve, 2)),
			rep("a_reply_for_another_warehouse", "o1", held("p1", "w7", reserve, 2)),
			rep("a_reply_holding_more_than_asked", "o1", held("p1", "w1", reserve, 3)),
			rep("a_reply_holding_less_than_nothing", "o1", held("p1", "w1", reserve, -1)),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, cmds, goodID(i), orderCmd(goodID(i), place(line("p1", 1, "w1"))))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if s, _ := gkt.TableValue(topics.OrdersTable, goodID(i)).(*pb.OrderState); s.GetOrder().GetStatus() != pb.OrderStatus_ORDER_STATUS_PENDING {
				t.Errorf("the next command was not applied: %v", s)
			}
		},
	}.Run(t)
}
