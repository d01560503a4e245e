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
	cases := []struct {
		name string
		s    *pb.OrderState
		held bool
		want bool
	}{
		{"a_fresh_pending_order_is_left_alone", state(pending, now), false, false},
		{"a_pending_order_stuck_for_a_minute_is_redriven", state(pending, old), true, true},
		{"a_reserved_order_is_settled_by_payment_or_expiry", state(reserved, old), true, false},
		{"a_reserved_order_a_minute_past_its_deadline_lost_its_expiry", overdue, true, true},
		{"a_paid_order_still_holding_stock_lost_a_commit", state(paid, old), true, true},
		{"a_cancelled_order_still_holding_stock_lost_a_release", state(cancelled, old), true, true},
		{"a_settled_order_holding_nothing_is_fine", state(paid, old), false, false},
		{"a_just_closed_order_may_still_be_releasing", state(rejected, now), true, false},
	}
	for _, c := range cases {
		if got := orders.NeedsRedrive(c.s, c.held, now, 30*time.Second); got != c.want {
			t.Errorf("%s: NeedsRedrive = %v, want %v", c.name, got, c.want)
		}
	}
}
