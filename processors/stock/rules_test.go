package stock_test

import (
	"errors"
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

const (
	ok           = pb.ReplyStatus_REPLY_STATUS_OK
	insufficient = pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT
	closed       = pb.ReplyStatus_REPLY_STATUS_CLOSED
	noHold       = pb.ReplyStatus_REPLY_STATUS_NO_HOLD
)

// step is one rule application in a scenario.
type step struct {
	name   string
	apply  func(l *pb.StockLevel) (stock.Verdict, error)
	status pb.ReplyStatus
	qty    int64
	err    error
	// onHand and reserved after the step.
	onHand, reserved int64
}

func reserve(order string, q int64, partial bool) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Reserve(l, order, q, partial) }
}

func release(order string) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Release(l, order, "test"), nil }
}

func commit(order string) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Commit(l, order), nil }
}

func adjust(id string, kind pb.AdjustKind, q int64, expected *int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) {
		return stock.Adjust(l, id, &pb.Adjust{Kind: kind, Quantity: q, Reason: "test", ExpectedOnHand: expected})
	}
}

const (
	receive = pb.AdjustKind_ADJUST_KIND_RECEIVE
	count   = pb.AdjustKind_ADJUST_KIND_COUNT
	correct = pb.AdjustKind_ADJUST_KIND_CORRECT
)

func ptr(v int64) *int64 { return &v }

func TestRules(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name  string
		steps []step
	}{
		{"reserve_holds_stock_and_repeat_returns_the_same_hold", []step{
			{"receive 10", adjust("a1", receive, 10, nil), ok, 10, nil, 10, 0},
			{"reserve 4", reserve("o1", 4, false), ok, 4, nil, 10, 4},
			{"reserve 4 again", reserve("o1", 4, false), ok, 4, nil, 10, 4},
			{"another order reserves 6", reserve("o2", 6, false), ok, 6, nil, 10, 10},
			{"a third finds nothing", reserve("o3", 1, false), insufficient, 0, nil, 10, 10},
		}},
		{"all_or_nothing_refuses_a_short_level", []step{
			{"receive 3", adjust("a1", receive, 3, nil), ok, 3, nil, 3, 0},
			{"reserve 5", reserve("o1", 5, false), insufficient, 0, nil, 3, 0},
		}},
		{"partial_reserve_holds_what_is_available", []step{
			{"receive 3", adjust("a1", receive, 3, nil), ok, 3, nil, 3, 0},
			{"reserve 5 partial", reserve("o1", 5, true), insufficient, 3, nil, 3, 3},
			{"repeat answers the partial hold", reserve("o1", 5, true), ok, 3, nil, 3, 3},
		}},
		{"release_returns_stock_once_and_a_late_reserve_holds_nothing", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"reserve 2", reserve("o1", 2, false), ok, 2, nil, 5, 2},
			{"release", release("o1"), ok, 2, nil, 5, 0},
			{"release again", release("o1"), ok, 0, nil, 5, 0},
			{"redelivered reserve", reserve("o1", 2, false), closed, 0, nil, 5, 0},
		}},
		{"release_before_reserve_blocks_the_reserve", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"release unknown", release("o1"), noHold, 0, nil, 5, 0},
			{"late reserve", reserve("o1", 2, false), closed, 0, nil, 5, 0},
		}},
		{"commit_ships_the_hold_once", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"reserve 2", reserve("o1", 2, false), ok, 2, nil, 5, 2},
			{"commit", commit("o1"), ok, 2, nil, 3, 0},
			{"commit again", commit("o1"), ok, 0, nil, 3, 0},
			{"release after commit", release("o1"), closed, 0, nil, 3, 0},
			{"redelivered reserve", reserve("o1", 2, false), closed, 0, nil, 3, 0},
		}},
		{"adjustments_apply_once_per_command_id", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"same receive again", adjust("a1", receive, 5, nil), ok, 0, nil, 5, 0},
			{"correct -2", adjust("a2", correct, -2, nil), ok, -2, nil, 3, 0},
			{"count 7", adjust("a3", count, 7, ptr(3)), ok, 4, nil, 7, 0},
		}},
		{"adjustments_never_go_below_reserved", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"reserve 4", reserve("o1", 4, false), ok, 4, nil, 5, 4},
			{"correct -2", adjust("a2", correct, -2, nil), 0, 0, stock.ErrBelowReserved, 5, 4},
			{"count 3", adjust("a3", count, 3, nil), 0, 0, stock.ErrBelowReserved, 5, 4},
			{"correct -1", adjust("a4", correct, -1, nil), ok, -1, nil, 4, 4},
		}},
		{"count_with_a_stale_expected_value_is_refused", []step{
			{"receive 5", adjust("a1", receive, 5, nil), ok, 5, nil, 5, 0},
			{"count expecting 4", adjust("a2", count, 9, ptr(4)), 0, 0, stock.ErrCountMismatch, 5, 0},
		}},
		{"invalid_quantities_are_refused", []step{
			{"reserve 0", reserve("o1", 0, false), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"receive 0", adjust("a1", receive, 0, nil), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"receive -1", adjust("a2", receive, -1, nil), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"count -1", adjust("a3", count, -1, nil), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"correct 0", adjust("a4", correct, 0, nil), 0, 0, stock.ErrInvalidQuantity, 0, 0},
			{"correct below zero", adjust("a5", correct, -1, nil), 0, 0, stock.ErrBelowReserved, 0, 0},
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

func TestMovementsDescribeEveryChange(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	v1, _ := stock.Adjust(l, "a1", &pb.Adjust{Kind: receive, Quantity: 5, Reason: "po"})
	v2, _ := stock.Reserve(l, "o1", 2, false)
	v3 := stock.Commit(l, "o1")
	want := []struct {
		kind               pb.MovementKind
		dOnHand, dReserved int64
		id                 string
	}{
		{pb.MovementKind_MOVEMENT_KIND_ADJUST, 5, 0, "p@w#1"},
		{pb.MovementKind_MOVEMENT_KIND_RESERVE, 0, 2, "p@w#2"},
		{pb.MovementKind_MOVEMENT_KIND_COMMIT, -2, -2, "p@w#3"},
	}
	for i, v := range []stock.Verdict{v1, v2, v3} {
		m := v.Movement
		if m.GetKind() != want[i].kind || m.GetOnHandDelta() != want[i].dOnHand || m.GetReservedDelta() != want[i].dReserved || m.GetMovementId() != want[i].id {
			t.Errorf("movement %d = %v %+d/%+d %s, want %v %+d/%+d %s", i, m.GetKind(), m.GetOnHandDelta(), m.GetReservedDelta(), m.GetMovementId(),
				want[i].kind, want[i].dOnHand, want[i].dReserved, want[i].id)
		}
	}
	if v := stock.Release(l, "o1", "test"); v.Movement != nil {
		t.Errorf("release after commit recorded a movement: %v", v.Movement)
	}
}

func TestRecentWindowIsBounded(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	for i := range 3 * stock.RecentWindow {
		stock.Release(l, string(rune('a'+i%26))+string(rune('0'+i)), "test")
	}
	if got := len(l.GetRecent()); got != stock.RecentWindow {
		t.Fatalf("recent window holds %d ids, want %d", got, stock.RecentWindow)
	}
}

func TestSplitKey(t *testing.T) {
	t.Parallel()
	for key, valid := range map[string]bool{"p@w": true, "p": false, "@w": false, "p@": false, "p@w@x": false} {
		if _, _, err := stock.SplitKey(key); (err == nil) != valid {
			t.Errorf("SplitKey(%q) error = %v, want valid=%v", key, err, valid)
		}
	}
}
