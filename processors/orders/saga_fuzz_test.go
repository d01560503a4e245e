package orders_test

import (
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/fuzzinput"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// legal reports whether the lifecycle has an event taking from to to.
func legal(from, to pb.OrderStatus) bool {
	if from == to {
		return true
	}
	for _, next := range orders.Lifecycle[from] {
		if next == to {
			return true
		}
	}
	return false
}

// FuzzOrderSaga places an order with any lines and candidate warehouses,
// then applies any sequence of stock replies (to outstanding commands or
// not, matching them or not, repeated, with any quantity), payments,
// cancellations and expiries at any time, as the processor would (a reply
// CheckReply refuses is dead-lettered, not applied). After every step the
// status moved only along the lifecycle and no line holds more than it
// asked for; when every command is answered, a closed order has released
// exactly what it held, a paid one committed exactly that, and a reserved
// or paid order holds every line whole.
func FuzzOrderSaga(f *testing.F) {
	// two lines over two warehouses; replies; pay.
	f.Add([]byte{2, 18, 2, 26, 2, 0, 0, 18, 0, 1, 26, 0, 1, 18, 2, 10})
	// one line, short everywhere: rejected.
	f.Add([]byte{1, 34, 3, 0, 0, 2, 0, 0, 0, 0, 0})
	// reserved, then cancelled with a late reply in flight.
	f.Add([]byte{1, 26, 2, 3, 0, 0, 10, 0, 0, 26, 0, 0, 2})
	// expiry after the deadline, then a repeated reply.
	f.Add([]byte{1, 18, 1, 0, 0, 18, 4, 200, 1, 0, 0, 18})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzinput.New(data)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		p := &pb.PlaceOrder{UserId: "u1", ShopId: "s1", TtlSeconds: 1800}
		for i := range int(r.Next()%3) + 1 {
			product := "p" + strconv.Itoa(i)
			if r.Next()%16 == 0 {
				product = "p0" // a repeated product, refused
			}
			l := &pb.LineRequest{ProductId: product, Quantity: r.Quantity()}
			for w := range int(r.Next() % 4) {
				l.WarehouseIds = append(l.WarehouseIds, "w"+strconv.Itoa(w))
			}
			p.Lines = append(p.Lines, l)
		}
		s, eff, err := orders.Place("o1", p, now)
		if err != nil {
			return // the processor dead-letters it
		}
		sent := map[string]*pb.StockCommand{}
		record := func(e orders.Effects) {
			for _, c := range e.Commands {
				if c.GetReserve().GetQuantity() < 0 || c.GetRelease().GetQuantity() < 0 || c.GetCommit().GetQuantity() < 0 {
					t.Fatalf("sent %v", c)
				}
				sent[c.GetCommandId()] = c
			}
		}
		record(eff)
		var replies []*pb.StockReply
		for n := 0; r.More() && n < 200; n++ {
			before := s.GetOrder().GetStatus()
			switch op := r.Next(); op % 5 {
			case 0, 1: // a reply to an outstanding command, or a repeated one
				var reply *pb.StockReply
				if op%5 == 1 && len(replies) > 0 {
					reply = replies[int(r.Next())%len(replies)]
				} else if out := s.GetOutstanding(); len(out) > 0 {
					c := out[int(r.Next())%len(out)]
					reply = &pb.StockReply{CommandId: c.GetCommandId(), OrderId: "o1", ProductId: c.GetProductId(), WarehouseId: c.GetWarehouseId(),
						Kind: stock.KindOf(c), Status: pb.ReplyStatus_REPLY_STATUS_OK}
					if q := c.GetReserve().GetQuantity(); q > 0 {
						reply.Quantity = min(q, max(0, r.Quantity()))
					}
					switch r.Next() % 8 { // now and then, a reply that does not match
					case 0:
						reply.Quantity = r.Quantity()
					case 1:
						reply.Kind = pb.StockCommandKind(r.Next() % 8)
					case 2:
						reply.ProductId = "p" + strconv.Itoa(int(r.Next()%4))
					}
				} else {
					continue
				}
				replies = append(replies, reply)
				if orders.CheckReply(s, reply) != nil {
					// The processor dead-letters it; OnReply alone must
					// ignore it too.
					before := proto.Clone(s)
					if e := orders.OnReply(s, reply, now); len(e.Commands) > 0 || e.Changed || !proto.Equal(before, s) {
						t.Fatalf("a reply CheckReply refuses changed the order: %v", reply)
					}
					continue
				}
				record(orders.OnReply(s, reply, now))
			case 2:
				e, _ := orders.Pay(s, "", now.Add(time.Duration(r.Next())*15*time.Second))
				record(e)
			case 3:
				e, _ := orders.Cancel(s, "changed my mind", now)
				record(e)
			case 4:
				record(orders.Expire(s, now.Add(time.Duration(r.Next())*15*time.Second)))
			}
			if after := s.GetOrder().GetStatus(); !legal(before, after) {
				t.Fatalf("illegal transition %v -> %v", before, after)
			}
			checkLines(t, s)
		}
		checkSettled(t, s, sent)
	})
}

// checkLines: no line holds more than it asked for, nor a non-positive
// allocation.
func checkLines(t *testing.T, s *pb.OrderState) {
	t.Helper()
	for _, l := range s.GetOrder().GetLines() {
		var held int64
		for _, a := range l.GetAllocations() {
			if a.GetQuantity() <= 0 {
				t.Fatalf("line %s allocates %d", l.GetProductId(), a.GetQuantity())
			}
			held += a.GetQuantity()
		}
		if held > l.GetQuantity() {
			t.Fatalf("line %s holds %d of %d requested", l.GetProductId(), held, l.GetQuantity())
		}
	}
}

// checkSettled: once nothing is outstanding, what an order holds and what
// it released or committed add up for its status.
func checkSettled(t *testing.T, s *pb.OrderState, sent map[string]*pb.StockCommand) {
	t.Helper()
	if len(s.GetOutstanding()) > 0 {
		return
	}
	var allocated, released, committed int64
	whole := true
	for _, l := range s.GetOrder().GetLines() {
		var held int64
		for _, a := range l.GetAllocations() {
			held += a.GetQuantity()
		}
		allocated += held
		whole = whole && held == l.GetQuantity()
	}
	for _, c := range sent {
		released += c.GetRelease().GetQuantity()
		committed += c.GetCommit().GetQuantity()
	}
	switch st := s.GetOrder().GetStatus(); st {
	case pb.OrderStatus_ORDER_STATUS_REJECTED, pb.OrderStatus_ORDER_STATUS_CANCELLED, pb.OrderStatus_ORDER_STATUS_EXPIRED:
		if released != allocated || committed != 0 {
			t.Fatalf("%v order held %d, released %d, committed %d", st, allocated, released, committed)
		}
	case pb.OrderStatus_ORDER_STATUS_PAID:
		if !whole || committed != allocated || released != 0 {
			t.Fatalf("paid order held %d (whole lines: %v), committed %d, released %d", allocated, whole, committed, released)
		}
	case pb.OrderStatus_ORDER_STATUS_RESERVED:
		if !whole || released != 0 || committed != 0 {
			t.Fatalf("reserved order held %d (whole lines: %v), released %d, committed %d", allocated, whole, released, committed)
		}
	}
}
