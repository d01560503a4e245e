package orders_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// The transition functions do what the Lifecycle table says, for every
// status and every customer or timer event.
func TestTransitionsFollowTheLifecycleTable(t *testing.T) {
	t.Parallel()
	due := now.Add(time.Hour)
	events := map[orders.Event]func(s *pb.OrderState) (orders.Effects, error){
		orders.EventPay:    func(s *pb.OrderState) (orders.Effects, error) { return orders.Pay(s, "", now) },
		orders.EventCancel: func(s *pb.OrderState) (orders.Effects, error) { return orders.Cancel(s, "test", now) },
		orders.EventExpire: func(s *pb.OrderState) (orders.Effects, error) { return orders.Expire(s, due.Add(time.Second)), nil },
	}
	for status, row := range orders.Lifecycle {
		for e, run := range events {
			t.Run(orders.StatusName(status), func(t *testing.T) {
				s := &pb.OrderState{Order: &pb.Order{Id: "o1", Status: status, ExpiresAtUnixMs: due.UnixMilli()}}
				if e == orders.EventPay {
					s.Order.ExpiresAtUnixMs = now.Add(time.Minute).UnixMilli()
				}
				eff, err := run(s)
				want, allowed := row[e]
				switch {
				case !allowed && e != orders.EventExpire && !errors.Is(err, orders.ErrWrongStatus):
					t.Errorf("event %d refused with %v, want ErrWrongStatus", e, err)
				case !allowed && (s.GetOrder().GetStatus() != status || eff.Changed):
					t.Errorf("event %d not allowed, yet the order moved to %v", e, s.GetOrder().GetStatus())
				case allowed && (err != nil || s.GetOrder().GetStatus() != want):
					t.Errorf("event %d: status %v, error %v; want %v", e, s.GetOrder().GetStatus(), err, want)
				}
			})
		}
	}
}
