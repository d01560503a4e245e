package stock_test

import (
	"errors"
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
		{"debit_takes_available_stock_once", []step{
			{"receive 10", adjust("a1", receive, 10, nil), ok, 10, nil, 10, 0},
			{"transfer out 4", transferOut("t1", 4), ok, 4, nil, 6, 0},
			{"the same debit again", transferOut("t1", 4), ok, 4, nil, 6, 0},
			{"another transfer takes the rest", transferOut("t2", 6), ok, 6, nil, 0, 0},
		}},
		{"debit_never_touches_reserved_stock", []step{
			{"receive 10", adjust("a1", receive, 10, nil), ok, 10, nil, 10, 0},
			{"an order reserves 7", reserve("o1", 7, false), ok, 7, nil, 10, 7},
			{"transfer out 4 is refused with 3 available", transferOut("t1", 4), insufficient, 3, nil, 10, 7},
			{"transfer out 3 leaves on_hand equal to reserved", transferOut("t2", 3), ok, 3, nil, 7, 7},
			{"the reservation still commits", commit("o1"), ok, 7, nil, 0, 0},
		}},
		{"a_refused_debit_stays_refused_when_stock_arrives", []step{
			{"transfer out of an empty level", transferOut("t1", 2), insufficient, 0, nil, 0, 0},
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"the re-sent debit is still refused", transferOut("t1", 2), insufficient, 5, nil, 5, 0},
			{"a new transfer is debited", transferOut("t2", 2), ok, 2, nil, 3, 0},
		}},
		{"credit_adds_to_a_level_never_seen_before_once", []step{
			{"transfer in 5", transferIn("t1", 5), ok, 5, nil, 5, 0},
			{"the same credit replayed after a crash", transferIn("t1", 5), ok, 5, nil, 5, 0},
			{"another credit", transferIn("t2", 1), ok, 1, nil, 6, 0},
			{"credited stock can be reserved", reserve("o1", 6, false), ok, 6, nil, 6, 6},
		}},
		{"a_level_can_send_and_receive_the_same_transfer_id_legs_apart", []step{
			{"transfer in 3", transferIn("t1", 3), ok, 3, nil, 3, 0},
			{"transfer out 3 of another transfer", transferOut("t2", 3), ok, 3, nil, 0, 0},
			{"the credit replayed does not come back", transferIn("t1", 3), ok, 3, nil, 0, 0},
		}},
		{"invalid_transfer_quantities_are_refused", []step{
			{"transfer out 0", transferOut("t1", 0), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"transfer in -1", transferIn("t2", -1), 0, 0, stock.ErrInvalidQuantity, 0, 0},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
			for _, st := range sc.steps {
				v, err := st.apply(l)
				if !errors.Is(err, st.err) {
					t.Fatalf("%s: error %v, want %v", st.name, err, st.err)
				}
				if err == nil && (v.Status != st.status || v.Quantity != st.qty) {
					t.Fatalf("%s: verdict %v x %d, want %v x %d", st.name, v.Status, v.Quantity, st.status, st.qty)
				}
				if l.OnHand != st.onHand || l.Reserved != st.reserved {
					t.Fatalf("%s: level %d/%d, want on_hand %d reserved %d", st.name, l.OnHand, l.Reserved, st.onHand, st.reserved)
				}
				if err := stock.CheckInvariants(l); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
			}
		})
	}
}

func TestTransferMovementsCarryTheTransferID(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	in, _ := stock.TransferIn(l, "t1", 5)
	out, _ := stock.TransferOut(l, "t2", 2)
	again, _ := stock.TransferOut(l, "t2", 2)
	cases := []struct {
		name          string
		m             *pb.StockMovement
		kind          pb.MovementKind
		transfer      string
		delta, onHand int64
	}{
		{"credit_is_a_transfer_in", in.Movement, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, "t1", 5, 5},
		{"debit_is_a_transfer_out", out.Movement, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, "t2", -2, 3},
	}
	for _, c := range cases {
		if c.m.GetKind() != c.kind || c.m.GetTransferId() != c.transfer || c.m.GetOnHandDelta() != c.delta || c.m.GetOnHandAfter() != c.onHand || c.m.GetReservedDelta() != 0 {
			t.Errorf("%s: movement %v", c.name, c.m)
		}
	}
	if again.Movement != nil || again.Changed {
		t.Errorf("a repeated debit recorded %v", again.Movement)
	}
}
