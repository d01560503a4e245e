package api

import (
	"sync"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// recentCapacity bounds the orders remembered for read-your-writes.
const recentCapacity = 10_000

// recentOrders remembers orders this API instance just answered with, so a
// GET right after a POST sees the order even if the view lags by a moment.
type recentOrders struct {
	mu    sync.Mutex
	byID  map[string]*pb.Order
	order []string
}

func (r *recentOrders) put(o *pb.Order) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string]*pb.Order{}
	}
	if _, ok := r.byID[o.GetId()]; !ok {
		r.order = append(r.order, o.GetId())
	}
	r.byID[o.GetId()] = o
	if len(r.order) > recentCapacity {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
}

func (r *recentOrders) get(id string) *pb.Order {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// remember keeps an order answered by this instance.
func (s *server) remember(o *pb.Order) { s.recent.put(o) }

// order reads an order from the view or, if newer, from recent answers.
func (s *server) order(id string) (*pb.Order, bool, error) {
	st, ok, err := lookup[*pb.OrderState](s.Views.Orders, id)
	if err != nil {
		return nil, false, err
	}
	o := st.GetOrder() // nil while a crashed place is replayed (early replies only)
	if r := s.recent.get(id); r != nil && r.GetVersion() > o.GetVersion() {
		return r, true, nil
	}
	return o, ok && o != nil, nil
}
