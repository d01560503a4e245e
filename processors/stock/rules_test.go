package stock_test

import (
	"errors"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

const (
	ok           = pb.ReplyStatus_REPLY_STATUS_OK
	insufficient = pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT
)

// step is one rule application in a scenario and what it must leave.
type step struct {
	name  string
	apply func(l *pb.StockLevel) (stock.Verdict, error)
	// status and qty of the verdict (ignored when err is set).
	status pb.ReplyStatus
	qty    int64
	err    error
	// onHand and reserved after the step.
	onHand, reserved int64
}

func reserve(order string, q int64, partial bool) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Reserve(l, order, q, partial) }
}

func release(order string, q int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Release(l, order, q, "test") }
}

func commit(order string, q int64) func(*pb.StockLevel) (stock.Verdict, error) {
	return func(l *pb.StockLevel) (stock.Verdict, error) { return stock.Commit(l, order, q) }
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
		{"reserve_holds_stock_until_none_is_available", []step{
			{name: "receive 10", apply: adjust("a1", receive, 10, nil), status: ok, qty: 10, onHand: 10},
			{name: "reserve 4", apply: reserve("o1", 4, false), status: ok, qty: 4, onHand: 10, reserved: 4},
			{name: "another order reserves 6", apply: reserve("o2", 6, false), status: ok, qty: 6, onHand: 10, reserved: 10},
			{name: "a third finds nothing", apply: reserve("o3", 1, false), status: insufficient, onHand: 10, reserved: 10},
		}},
		{"all_or_nothing_refuses_a_short_level", []step{
			{name: "receive 3", apply: adjust("a1", receive, 3, nil), status: ok, qty: 3, onHand: 3},
			{name: "reserve 5", apply: reserve("o1", 5, false), status: insufficient, onHand: 3},
		}},
		{"partial_reserve_holds_what_is_available", []step{
			{name: "receive 3", apply: adjust("a1", receive, 3, nil), status: ok, qty: 3, onHand: 3},
			{name: "reserve 5 partial", apply: reserve("o1", 5, true), status: insufficient, qty: 3, onHand: 3, reserved: 3},
		}},
		{"release_returns_the_quantity_the_order_holds", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "reserve 2", apply: reserve("o1", 2, false), status: ok, qty: 2, onHand: 5, reserved: 2},
			{name: "release 2", apply: release("o1", 2), status: ok, qty: 2, onHand: 5},
		}},
		{"commit_ships_the_quantity", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "reserve 2", apply: reserve("o1", 2, false), status: ok, qty: 2, onHand: 5, reserved: 2},
			{name: "commit 2", apply: commit("o1", 2), status: ok, qty: 2, onHand: 3},
		}},
		{"closing_more_than_is_reserved_is_refused_and_changes_nothing", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "reserve 2", apply: reserve("o1", 2, false), status: ok, qty: 2, onHand: 5, reserved: 2},
			{name: "release 3", apply: release("o1", 3), err: stock.ErrNotHeld, onHand: 5, reserved: 2},
			{name: "commit 3", apply: commit("o1", 3), err: stock.ErrNotHeld, onHand: 5, reserved: 2},
			{name: "release 0", apply: release("o1", 0), err: stock.ErrInvalidQuantity, onHand: 5, reserved: 2},
		}},
		{"adjustments_apply_once_per_command_id", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "same receive again", apply: adjust("a1", receive, 5, nil), status: ok, onHand: 5},
			{name: "correct -2", apply: adjust("a2", correct, -2, nil), status: ok, qty: -2, onHand: 3},
			{name: "count 7", apply: adjust("a3", count, 7, ptr(3)), status: ok, qty: 4, onHand: 7},
		}},
		{"adjustments_never_go_below_reserved", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "reserve 4", apply: reserve("o1", 4, false), status: ok, qty: 4, onHand: 5, reserved: 4},
			{name: "correct -2", apply: adjust("a2", correct, -2, nil), err: stock.ErrBelowReserved, onHand: 5, reserved: 4},
			{name: "count 3", apply: adjust("a3", count, 3, nil), err: stock.ErrBelowReserved, onHand: 5, reserved: 4},
			{name: "correct -1", apply: adjust("a4", correct, -1, nil), status: ok, qty: -1, onHand: 4, reserved: 4},
		}},
		{"count_with_a_stale_expected_value_is_refused", []step{
			{name: "receive 5", apply: adjust("a1", receive, 5, nil), status: ok, qty: 5, onHand: 5},
			{name: "count expecting 4", apply: adjust("a2", count, 9, ptr(4)), err: stock.ErrCountMismatch, onHand: 5},
		}},
		{"invalid_quantities_are_refused", []step{
			{name: "reserve 0", apply: reserve("o1", 0, false), err: stock.ErrInvalidQuantity},
			{name: "receive 0", apply: adjust("a1", receive, 0, nil), err: stock.ErrInvalidQuantity},
			{name: "receive -1", apply: adjust("a2", receive, -1, nil), err: stock.ErrInvalidQuantity},
			{name: "count -1", apply: adjust("a3", count, -1, nil), err: stock.ErrInvalidQuantity},
			{name: "correct 0", apply: adjust("a4", correct, 0, nil), err: stock.ErrInvalidQuantity},
			{name: "correct below zero", apply: adjust("a5", correct, -1, nil), err: stock.ErrBelowReserved},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runSteps(t, sc.steps)
		})
	}
}

// runSteps applies steps in turn to a new level, checking each verdict,
// the level after it and the invariants.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	for _, st := range steps {
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
}

func TestMovementsDescribeEveryChange(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	v1, _ := stock.Adjust(l, "a1", &pb.Adjust{Kind: receive, Quantity: 5, Reason: "po"})
	v2, _ := stock.Reserve(l, "o1", 2, false)
	v3, _ := stock.Commit(l, "o1", 2)
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
	if v1.Movement.GetAdjustKind() != receive {
		t.Errorf("adjust movement kind = %v, want receive", v1.Movement.GetAdjustKind())
	}
}

func TestStampsRecogniseResentCommands(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{}
	cases := []struct {
		name   string
		source string
		offset int64
		resent bool
	}{
		{"a_first_command_from_a_source_is_new", "order-commands/0", 10, false},
		{"the_same_stamp_again_is_a_resend", "order-commands/0", 10, true},
		{"an_earlier_stamp_from_the_source_is_a_resend", "order-commands/0", 3, true},
		{"a_later_stamp_is_new", "order-commands/0", 11, false},
		{"another_partition_has_its_own_mark", "order-commands/1", 5, false},
		{"unstamped_commands_are_never_resends", "", 0, false},
	}
	for _, c := range cases {
		if got := stock.Resent(l, c.source, c.offset); got != c.resent {
			t.Errorf("%s: Resent = %v, want %v", c.name, got, c.resent)
		}
		stock.MarkApplied(l, c.source, c.offset)
	}
	if len(l.GetSources()) != 2 {
		t.Errorf("sources = %v, want one mark per stamped source", l.GetSources())
	}
}

func TestOnlyAStampBelowTheWindowIsUncertain(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{}
	for offset := int64(100); offset < 100+stock.RecentStampsPerSource+5; offset++ {
		stock.MarkApplied(l, "order-commands/0", offset)
	}
	first := l.GetRecentStamps()["order-commands/0"].GetOffsets()[0]
	for _, c := range []struct {
		name   string
		offset int64
		below  bool
	}{
		{"below_the_window", first - 1, true},
		{"in_the_window", first, false},
		{"above_the_mark", 1_000, false},
	} {
		if got := stock.BelowWindow(l, "order-commands/0", c.offset); got != c.below {
			t.Errorf("%s: BelowWindow = %v, want %v", c.name, got, c.below)
		}
	}
	if stock.BelowWindow(l, "order-commands/1", 5) {
		t.Error("a source the level never saw has no window to be below")
	}
}

// TestALostCommandOvertakenByALaterOneIsAppliedWhenResent: stamp 12 was
// lost while 13 landed (a producer failed one write and delivered the
// next); its re-send is not a duplicate.
func TestALostCommandOvertakenByALaterOneIsAppliedWhenResent(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{}
	for _, offset := range []int64{10, 11, 13} {
		stock.MarkApplied(l, "order-commands/0", offset)
	}
	if stock.Resent(l, "order-commands/0", 12) {
		t.Fatal("the lost command 12 was taken for a re-send")
	}
	stock.MarkApplied(l, "order-commands/0", 12)
	for _, offset := range []int64{10, 11, 12, 13} {
		if !stock.Resent(l, "order-commands/0", offset) {
			t.Errorf("%d: applied, but not recognised as a re-send", offset)
		}
	}
	if got := l.GetSources()["order-commands/0"]; got != 13 {
		t.Errorf("high-water mark %d, want 13", got)
	}
}

func TestTheStampWindowIsBoundedAndOlderStampsCountAsApplied(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{}
	for offset := int64(1); offset <= 10*stock.RecentStampsPerSource; offset += 2 { // odd stamps only
		stock.MarkApplied(l, "order-commands/0", offset)
	}
	window := l.GetRecentStamps()["order-commands/0"].GetOffsets()
	if len(window) != stock.RecentStampsPerSource {
		t.Fatalf("window holds %d stamps, want %d", len(window), stock.RecentStampsPerSource)
	}
	if !stock.Resent(l, "order-commands/0", 2) {
		t.Error("a stamp below the window was not taken as applied")
	}
	if stock.Resent(l, "order-commands/0", window[len(window)-1]-1) {
		t.Error("an even stamp inside the window, never applied, was taken as a re-send")
	}
	old := &pb.StockLevel{Sources: map[string]int64{"order-commands/0": 50}} // stored before the window existed
	if !stock.Resent(old, "order-commands/0", 49) {
		t.Error("on a level without a window, a stamp below the mark was not taken as applied")
	}
}

// TestAHotLevelsStampWindowsStaySmall: a level that twelve saga partitions
// (orders' commands and stock replies, six each) have sent a million
// commands stores at most 32 stamps per source.
func TestAHotLevelsStampWindowsStaySmall(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "01a237d4-f44f-718d-aead-05e7cf11a192", WarehouseId: "01a237d4-f3dd-728e-a44e-6c269f89dfd2"}
	for i := range 1_000_000 {
		source := []string{"order-commands/", "stock-replies/"}[i%2] + strconv.Itoa(i/2%6)
		stock.MarkApplied(l, source, int64(10_000_000+i))
	}
	data, err := proto.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 3*1024 {
		t.Fatalf("stored value is %d bytes, want at most 3 KiB", len(data))
	}
	t.Logf("a level with 12 sources' windows stores %d bytes", len(data))
}

func TestRecentWindowIsBounded(t *testing.T) {
	t.Parallel()
	l := &pb.StockLevel{ProductId: "p", WarehouseId: "w"}
	for i := range 3 * stock.RecentWindow {
		if _, err := stock.Adjust(l, "a"+strconv.Itoa(i), &pb.Adjust{Kind: receive, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
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

func TestCheckAdjustQuantity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		kind pb.AdjustKind
		qty  int64
		err  error
	}{
		{"a_receipt_must_bring_something", receive, 0, stock.ErrReceiveNotPositive},
		{"a_receipt_of_one_is_fine", receive, 1, nil},
		{"a_count_of_zero_is_an_empty_shelf", count, 0, nil},
		{"a_count_cannot_be_negative", count, -1, stock.ErrCountNegative},
		{"a_correction_may_go_down", correct, -3, nil},
		{"a_correction_by_nothing_is_refused", correct, 0, stock.ErrCorrectZero},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := stock.CheckAdjustQuantity(c.kind, c.qty)
			if !errors.Is(err, c.err) || (c.err != nil && !errors.Is(err, stock.ErrInvalidQuantity)) {
				t.Errorf("CheckAdjustQuantity(%v, %d) = %v, want %v", c.kind, c.qty, err, c.err)
			}
		})
	}
}
