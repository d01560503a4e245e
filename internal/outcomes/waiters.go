package outcomes

import (
	"log/slog"
	"sync"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Waiters hands outcomes to the requests waiting for them, by correlation
// id. Two sources feed it: the outcomes topic (Tail) and, for a placed
// order, the orders table's own changelog (OrderStored).
type Waiters struct {
	mu      sync.Mutex
	waiters map[string]map[*waiter]struct{}
}

type waiter struct {
	ch chan *pb.Outcome
}

// NewWaiters returns an empty registry.
func NewWaiters() *Waiters {
	return &Waiters{waiters: map[string]map[*waiter]struct{}{}}
}

// Watch registers interest in outcomes for id. Register before producing the
// command, then read the channel; call stop when done.
func (w *Waiters) Watch(id string) (outcomes <-chan *pb.Outcome, stop func()) {
	wt := &waiter{ch: make(chan *pb.Outcome, 4)}
	w.mu.Lock()
	if w.waiters[id] == nil {
		w.waiters[id] = map[*waiter]struct{}{}
	}
	w.waiters[id][wt] = struct{}{}
	w.mu.Unlock()
	return wt.ch, func() {
		w.mu.Lock()
		delete(w.waiters[id], wt)
		if len(w.waiters[id]) == 0 {
			delete(w.waiters, id)
		}
		w.mu.Unlock()
	}
}

// Deliver hands o to everyone watching its correlation id.
func (w *Waiters) Deliver(o *pb.Outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for wt := range w.waiters[o.GetCorrelationId()] {
		select {
		case wt.ch <- o:
		default: // the waiter has pending outcomes already; it reads the newest it needs
		}
	}
}

// waiting reports whether anyone watches id.
func (w *Waiters) waiting(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.waiters[id]) > 0
}

// OrderStored is called with every value of the orders table a view
// stores. The orders processor publishes no outcome for a place that its
// stock replies decided (it would repeat the state it just stored), so a
// decided order is the outcome of the place waiting on its id: the place
// command's correlation id is the order id.
func (w *Waiters) OrderStored(orderID string, value []byte) {
	if !w.waiting(orderID) {
		return
	}
	s, err := schemas.OrderStateCodec.Unmarshal(value)
	if err != nil {
		slog.Warn("skipping an undecodable order", "order", orderID, "error", err)
		return
	}
	o := s.GetOrder()
	if o == nil || o.GetStatus() == pb.OrderStatus_ORDER_STATUS_PENDING {
		return
	}
	w.Deliver(&pb.Outcome{CorrelationId: orderID, Result: &pb.Outcome_Order{Order: o}})
}
