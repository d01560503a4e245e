package outcomes_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/outcomes"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func stored(t *testing.T, id string, status pb.OrderStatus) []byte {
	t.Helper()
	b, err := proto.Marshal(&pb.OrderState{Order: &pb.Order{Id: id, Status: status}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// received returns what ch holds now, without waiting: Deliver and
// OrderStored hand outcomes over before they return.
func received(ch <-chan *pb.Outcome) []*pb.Outcome {
	var got []*pb.Outcome
	for {
		select {
		case o := <-ch:
			got = append(got, o)
		default:
			return got
		}
	}
}

func TestAStoredDecidedOrderIsItsPlacesOutcome(t *testing.T) {
	w := outcomes.NewWaiters()
	first, stopFirst := w.Watch("o1")
	defer stopFirst()
	retry, stopRetry := w.Watch("o1") // a retry with the same Idempotency-Key
	defer stopRetry()
	other, stopOther := w.Watch("o2")
	defer stopOther()

	w.OrderStored("o1", stored(t, "o1", pb.OrderStatus_ORDER_STATUS_PENDING))
	w.OrderStored("o1", []byte{0xff}) // undecodable: skipped
	w.OrderStored("o1", stored(t, "o1", pb.OrderStatus_ORDER_STATUS_RESERVED))
	w.OrderStored("o3", stored(t, "o3", pb.OrderStatus_ORDER_STATUS_REJECTED)) // nobody waits

	for name, ch := range map[string]<-chan *pb.Outcome{"first": first, "retry": retry} {
		got := received(ch)
		if len(got) != 1 || got[0].GetCorrelationId() != "o1" || got[0].GetOrder().GetStatus() != pb.OrderStatus_ORDER_STATUS_RESERVED {
			t.Errorf("%s watcher got %v, want o1 reserved once", name, got)
		}
	}
	if got := received(other); len(got) != 0 {
		t.Errorf("o2's watcher got %v, want nothing", got)
	}
}

func TestAStoppedWatchGetsNothing(t *testing.T) {
	w := outcomes.NewWaiters()
	ch, stop := w.Watch("c1")
	stop()
	w.Deliver(&pb.Outcome{CorrelationId: "c1"})
	w.OrderStored("c1", stored(t, "c1", pb.OrderStatus_ORDER_STATUS_RESERVED))
	if got := received(ch); len(got) != 0 {
		t.Fatalf("got %v after stop, want nothing", got)
	}
}
