package stock_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func adjustCmd(id string, kind pb.AdjustKind, qty int64) *pb.StockCommand {
	return &pb.StockCommand{CommandId: id, ProductId: "p1", WarehouseId: "w1", CorrelationId: id,
		Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{Kind: kind, Quantity: qty}}}
}

func legOut(transferID string, qty int64, source string) *pb.StockCommand {
	return &pb.StockCommand{CommandId: transferID + "/out", ProductId: "p1", WarehouseId: "w1", Source: source, SourceOffset: 1,
		Kind: &pb.StockCommand_TransferOut{TransferOut: &pb.TransferOut{TransferId: transferID, Quantity: qty}}}
}

// Stock has no "unknown entity" poison: a level that does not exist is an
// empty one, and the sagas need an answer for every command (a reserve
// there is INSUFFICIENT, a release or commit of what is not held NO_HOLD).
func TestPoisonStockCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.StockCommands
	poison := func(name, key string, cmd *pb.StockCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	noOrder := reserveCmd("", 1)
	wrongLevel := reserveCmd("o1", 1)
	wrongLevel.WarehouseId = "w2"
	gokatest.PoisonSuite{
		Group: topics.StockGroup, Graph: stock.Graph(), Table: topics.StockTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, in, key, receiveCmd("r0", 10))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: key, Value: []byte{0xff, 0xff, 0xff}},
			poison("a_command_without_kind", key, &pb.StockCommand{ProductId: "p1", WarehouseId: "w1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: in, Key: key,
				Value: gokatest.WithUnknownField(gokatest.Encode(&pb.StockCommand{ProductId: "p1", WarehouseId: "w1"}), 99)},
			poison("an_adjustment_of_an_unknown_kind", key, adjustCmd("a1", pb.AdjustKind(9), 3)),
			poison("an_adjustment_of_no_kind", key, adjustCmd("a2", pb.AdjustKind_ADJUST_KIND_UNSPECIFIED, 3)),
			poison("a_receipt_of_nothing", key, adjustCmd("a3", pb.AdjustKind_ADJUST_KIND_RECEIVE, 0)),
			poison("a_receipt_that_would_overflow_on_hand", key, adjustCmd("a4", pb.AdjustKind_ADJUST_KIND_RECEIVE, 1<<63-1)),
			poison("a_reserve_of_nothing", key, reserveCmd("o1", 0)),
			poison("a_reserve_for_no_order", key, noOrder),
			poison("a_transfer_leg_without_its_saga_stamp", key, legOut("t1", 1, "")),
			poison("a_transfer_leg_without_a_transfer_id", key, legOut("", 1, "transfer-commands/0")),
			poison("a_key_that_is_not_product_at_warehouse", "p1w1", reserveCmd("o1", 1)),
			poison("a_command_on_another_levels_key", key, wrongLevel),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, key, receiveCmd("good-"+strconv.Itoa(i), 1))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if l := gkt.TableValue(topics.StockTable, key).(*pb.StockLevel); l.GetOnHand() != int64(11+i) {
				t.Errorf("on_hand %d, want %d: the next command was not applied", l.GetOnHand(), 11+i)
			}
		},
	}.Run(t)
}
