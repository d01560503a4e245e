package orders_test

import (
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/orders"
)

func TestAnExpiryReachingAPaidOrderChangesNothing(t *testing.T) {
	t.Parallel()
	s := reservedOrder(t)
	if _, err := orders.Pay(s, "", now); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now, now.Add(31 * time.Minute), now.Add(30 * 24 * time.Hour)} {
		if eff := orders.Expire(s, at); eff.Changed || len(eff.Commands) != 0 || s.GetOrder().GetStatus() != paid {
			t.Fatalf("expiry at %v of a paid order: %v, status %v", at, cmds(eff), s.GetOrder().GetStatus())
		}
	}
}
