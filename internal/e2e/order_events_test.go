package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// orderEvents is what order-events holds, deduplicated by event id.
type orderEvents struct {
	// byOrder lists each order's distinct events in the order they arrived.
	byOrder map[string][]*pb.OrderEvent
	// copies counts records whose event id was seen before.
	copies int
}

// readOrderEvents reads order-events from the start to its end offsets,
// failing the test if two copies of an event differ in more than times.
func readOrderEvents(t *testing.T, s *stack) orderEvents {
	t.Helper()
	end := s.endOffsets(string(topics.OrderEvents))
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics(string(topics.OrderEvents)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := orderEvents{byOrder: map[string][]*pb.OrderEvent{}}
	seen := map[string]*pb.OrderEvent{}
	for read := int64(0); read < end; {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of %d order events: %v", read, end, err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			read++
			e, err := schemas.OrderEventCodec.Unmarshal(r.Value)
			if err != nil || string(r.Key) != e.GetOrderId() {
				t.Errorf("order event at %d/%d keyed %q: %v %v", r.Partition, r.Offset, r.Key, e, err)
				return
			}
			if first, ok := seen[e.GetEventId()]; ok {
				out.copies++
				if !proto.Equal(withoutTimes(first), withoutTimes(e)) {
					t.Errorf("two copies of %s differ in more than their times: %v and %v", e.GetEventId(), first, e)
				}
				return
			}
			seen[e.GetEventId()] = e
			out.byOrder[e.GetOrderId()] = append(out.byOrder[e.GetOrderId()], e)
		})
	}
	return out
}

// withoutTimes is e with its times cleared. A crash that lost an order's
// stored state but not its events makes the saga apply the input again
// with a later clock: the copies then differ in their times only, and the
// last one matches the stored order (docs/events.md).
func withoutTimes(e *pb.OrderEvent) *pb.OrderEvent {
	c := proto.Clone(e).(*pb.OrderEvent)
	c.OccurredAtUnixMs, c.ExpiresAtUnixMs, c.PaidAtUnixMs, c.CancelledAtUnixMs = 0, 0, 0, 0
	return c
}

// check verifies every order's events follow the contract: placed first,
// sequences 1, 2, 3 in arrival order, at most one closing event and it
// last, nothing held on a closed order.
func (evs orderEvents) check(t *testing.T) {
	t.Helper()
	for id, list := range evs.byOrder {
		if msg := historyProblem(list); msg != "" {
			t.Errorf("order %s: %s (events %s)", id, msg, kindsOf(list))
		}
	}
}

func historyProblem(list []*pb.OrderEvent) string {
	for i, e := range list {
		k := e.GetKind()
		switch {
		case int(e.GetSequence()) != i+1:
			return fmt.Sprintf("event %s has sequence %d, want %d", e.GetEventId(), e.GetSequence(), i+1)
		case (i == 0) != (k == pb.OrderEventKind_ORDER_EVENT_KIND_PLACED):
			return "placed is not exactly the first event"
		case k == pb.OrderEventKind_ORDER_EVENT_KIND_RESERVED && i != 1:
			return "reserved is not the second event"
		case closing(k) && i != len(list)-1:
			return "a closing event is not the last"
		case closing(k) && len(e.GetHeld()) != 0:
			return "a closing event lists stock as held"
		}
	}
	return ""
}

func closing(k pb.OrderEventKind) bool {
	return k != pb.OrderEventKind_ORDER_EVENT_KIND_PLACED && k != pb.OrderEventKind_ORDER_EVENT_KIND_RESERVED
}

// kinds names an order's events: "placed reserved paid".
func kindsOf(list []*pb.OrderEvent) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, orders.EventKindName(e.GetKind()))
	}
	return out
}

// checkOrderEventsAfterCrashes checks that every order answered 201 has
// exactly its steps on order-events, each once after deduplication, and
// copies identical, however often the system was killed meanwhile.
func checkOrderEventsAfterCrashes(t *testing.T, s *stack, attempts []*attempt) {
	t.Helper()
	var evs orderEvents
	for _, a := range attempts {
		if a.status != http.StatusCreated {
			continue
		}
		var o order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+a.orderID, nil, &o)
		want := []string{"placed", "reserved"}
		if o.Status != "reserved" {
			want = append(want, o.Status)
		}
		eventually(t, func() string {
			if evs.byOrder == nil || !slices.Equal(kindsOf(evs.byOrder[o.ID]), want) {
				evs = readOrderEvents(t, s)
			}
			if got := kindsOf(evs.byOrder[o.ID]); !slices.Equal(got, want) {
				return fmt.Sprintf("order %s (%s): events %v, want %v", o.ID, o.Status, got, want)
			}
			return ""
		})
	}
	evs.check(t)
	t.Logf("order-events: %d orders, %d copies dropped by event id", len(evs.byOrder), evs.copies)
}
