package stock_test

import (
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func transferOut(id string, q int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.TransferOut(l, id, q) }
}

func transferIn(id string, q int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.TransferIn(l, id, q) }
}

func TestTransferLegs(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name  string
		steps []step
	}{
		{"debit_takes_available_stock", []step{
			{name: "receive 10", apply: adjust("a1", receive, 10, nil), status: ok, qty: 10, onHand: 10},
			{name: "transfer out 4", apply: transferOut("t1", 4), status: ok, qty: 4, onHand: 6},
			{name: "another transfer takes the rest", apply: transferOut("t2", 6), status: ok, qty: 6},
			{name: "nothing is left", apply: transferOut("t3", 1), status: insufficient},
		}},
		{"debit_never_touches_reserved_stock", []step{
			{name: "receive 10", apply: adjust("a1", receive, 10, nil), status: ok, qty: 10, onHand: 10},
			{name: "an order reserves 7", apply: reserve("o1", 7, false), status: ok, qty: 7, onHand: 10, reserved: 7},
			{name: "transfer out 4 is refused with 3 available", apply: transferOut("t1", 4), status: insufficient, qty: 3, onHand: 10, reserved: 7},
			{name: "transfer out 3 leaves on_hand equal to reserved", apply: transferOut("t2", 3), status: ok, qty: 3, onHand: 7, reserved: 7},
			{name: "the reservation still commits", apply: commit("o1", 7), status: ok, qty: 7},
		}},
		{"credit_adds_to_a_level_never_seen_before", []step{
			{name: "transfer in 5", apply: transferIn("t1", 5), status: ok, qty: 5, onHand: 5},
			{name: "credited stock can be reserved", apply: reserve("o1", 5, false), status: ok, qty: 5, onHand: 5, reserved: 5},
		}},
		{"invalid_transfer_legs_are_refused", []step{
			{name: "transfer out 0", apply: transferOut("t1", 0), err: stock.ErrInvalidQuantity},
			{name: "transfer in -1", apply: transferIn("t2", -1), err: stock.ErrInvalidQuantity},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runSteps(t, sc.steps)
		})
	}
}

func TestTransferMovementsCarryTheTransferID(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	in, _ := stock.TransferIn(l, "t1", 5)
	out, _ := stock.TransferOut(l, "t2", 2)
	cases := []struct {
		name     string
		m        *pb.StockMovement
		kind     pb.MovementKind
		transfer string
		delta    int64
	}{
		{"credit_is_a_transfer_in", in.Movement, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, "t1", 5},
		{"debit_is_a_transfer_out", out.Movement, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, "t2", -2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.m.GetKind() != c.kind || c.m.GetTransferId() != c.transfer || c.m.GetOnHandDelta() != c.delta || c.m.GetReservedDelta() != 0 {
				t.Errorf("movement %v, want %v of %d for %s", c.m, c.kind, c.delta, c.transfer)
			}
		})
	}
}
