package stock_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// at stamps a leg as sent by input offset off of partition 0 of the
// transfers saga's requests (debits) or replies (credits).
func at(source string, off int64) stock.Stamp { return stock.Stamp{Source: source, Offset: off} }

const (
	requests = "transfer-commands/0"
	replies  = "transfer-replies/0"
)

func transferOut(id string, q, off int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.TransferOut(l, id, q, at(requests, off)) }
}

func transferIn(id string, q, off int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.TransferIn(l, id, q, at(replies, off)) }
}

// ordersOpenedAndReleased reserves and releases n orders of one unit on a
// level of onHand, filling the recent window with their marks.
func ordersOpenedAndReleased(n int, onHand int64) []step {
	var steps []step
	for i := range n {
		o := "o" + strconv.Itoa(i)
		steps = append(steps,
			step{"reserve " + o, reserve(o, 1, false), ok, 1, nil, onHand, 1},
			step{"release " + o, release(o), ok, 1, nil, onHand, 0})
	}
	return steps
}

func TestTransferLegs(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name  string
		steps []step
	}{
		{"debit_takes_available_stock_once", []step{
			{"receive 10", adjust("a1", receive, 10, nil), ok, 10, nil, 10, 0},
			{"transfer out 4", transferOut("t1", 4, 1), ok, 4, nil, 6, 0},
			{"the same debit re-sent with its stamp", transferOut("t1", 4, 1), ok, 4, nil, 6, 0},
			{"another transfer takes the rest", transferOut("t2", 6, 2), ok, 6, nil, 0, 0},
			{"the first debit replayed after the second", transferOut("t1", 4, 1), ok, 4, nil, 0, 0},
		}},
		{"debit_never_touches_reserved_stock", []step{
			{"receive 10", adjust("a1", receive, 10, nil), ok, 10, nil, 10, 0},
			{"an order reserves 7", reserve("o1", 7, false), ok, 7, nil, 10, 7},
			{"transfer out 4 is refused with 3 available", transferOut("t1", 4, 1), insufficient, 3, nil, 10, 7},
			{"transfer out 3 leaves on_hand equal to reserved", transferOut("t2", 3, 2), ok, 3, nil, 7, 7},
			{"the reservation still commits", commit("o1"), ok, 7, nil, 0, 0},
		}},
		{"a_refused_debit_stays_refused_when_stock_arrives", []step{
			{"transfer out of an empty level", transferOut("t1", 2, 1), insufficient, 0, nil, 0, 0},
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"the re-sent debit is still refused", transferOut("t1", 2, 1), insufficient, 5, nil, 5, 0},
			{"a new transfer is debited", transferOut("t2", 2, 2), ok, 2, nil, 3, 0},
		}},
		{"credit_adds_to_a_level_never_seen_before_once", []step{
			{"transfer in 5", transferIn("t1", 5, 1), ok, 5, nil, 5, 0},
			{"the same credit replayed after a crash", transferIn("t1", 5, 1), ok, 5, nil, 5, 0},
			{"another credit", transferIn("t2", 1, 2), ok, 1, nil, 6, 0},
			{"credited stock can be reserved", reserve("o1", 6, false), ok, 6, nil, 6, 6},
		}},
		{"stamps_of_different_sources_are_independent", []step{
			{"credit from replies offset 9", transferIn("t1", 3, 9), ok, 3, nil, 3, 0},
			{"debit from requests offset 2 is new", transferOut("t2", 3, 2), ok, 3, nil, 0, 0},
			{"the credit replayed does not come back", transferIn("t1", 3, 9), ok, 3, nil, 0, 0},
		}},
		{"a_debit_re_sent_after_the_recent_window_forgot_it_is_not_applied_again", slices.Concat(
			[]step{
				{"receive 200", adjust("a1", receive, 200, nil), ok, 200, nil, 200, 0},
				{"transfer out 5", transferOut("t1", 5, 1), ok, 5, nil, 195, 0},
			},
			ordersOpenedAndReleased(stock.RecentWindow+10, 195),
			[]step{{"the debit re-sent", transferOut("t1", 5, 1), ok, 5, nil, 195, 0}},
		)},
		{"invalid_transfer_legs_are_refused", []step{
			{"transfer out 0", transferOut("t1", 0, 1), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"transfer in -1", transferIn("t2", -1, 1), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"transfer in without a stamp", func(l *pb.StockLevel) (stock.Verdict, error) {
				return stock.TransferIn(l, "t3", 1, stock.Stamp{})
			}, 0, 0, stock.ErrUnstamped, 0, 0},
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
	in, _ := stock.TransferIn(l, "t1", 5, at(replies, 1))
	out, _ := stock.TransferOut(l, "t2", 2, at(requests, 1))
	again, _ := stock.TransferOut(l, "t2", 2, at(requests, 1))
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
