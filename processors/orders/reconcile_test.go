package orders_test

import (
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestNeedsRedrive(t *testing.T) {
	t.Parallel()
	old := now.Add(-time.Minute)
	state := func(status pb.OrderStatus, updated time.Time) *pb.OrderState {
		return &pb.OrderState{Order: &pb.Order{Status: status, UpdatedAtUnixMs: updated.UnixMilli(), ExpiresAtUnixMs: now.Add(time.Hour).UnixMilli()}}
	}
	overdue := state(reserved, old)
	overdue.Order.ExpiresAtUnixMs = old.UnixMilli()
	holding := func(s *pb.OrderState) *pb.OrderState {
		s.Outstanding = []*pb.StockCommand{{CommandId: "c1"}}
		return s
	}
	cases := []struct {
		name string
		s    *pb.OrderState
		want bool
	}{
		{"a_fresh_pending_order_is_left_alone", state(pending, now), false},
		{"a_pending_order_stuck_for_a_minute_is_redriven", state(pending, old), true},
		{"a_reserved_order_is_settled_by_payment_or_expiry", state(reserved, old), false},
		{"a_reserved_order_a_minute_past_its_deadline_lost_its_expiry", overdue, true},
		{"a_paid_order_whose_commit_is_unanswered_is_redriven", holding(state(paid, old)), true},
		{"a_cancelled_order_whose_release_is_unanswered_is_redriven", holding(state(cancelled, old)), true},
		{"a_settled_order_is_fine", state(paid, old), false},
		{"a_just_closed_order_may_still_be_releasing", holding(state(rejected, now)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := orders.NeedsRedrive(c.s, now, 30*time.Second); got != c.want {
				t.Errorf("NeedsRedrive = %v, want %v", got, c.want)
			}
		})
	}
}
