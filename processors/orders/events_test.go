package orders_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// eventsOf names an order's events as "kind#sequence".
func eventsOf(evs []*pb.OrderEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, orders.EventKindName(e.GetKind())+"#"+itoa(int64(e.GetSequence())))
	}
	return out
}

// heldInTwoWarehouses places o1 (p1 x2 from w1 then w2) and holds it: 1 in w1, 1 in w2.
func heldInTwoWarehouses(t *testing.T) *pb.OrderState {
	t.Helper()
	s := mustPlace(t, place(line("p1", 2, "w1", "w2")), "reserve p1@w1 2")
	expectReply(t, s, reply("p1", "w1", 1), pending, "reserve p1@w2 1")
	expectReply(t, s, reply("p1", "w2", 1), reserved)
	return s
}

func TestOrderEvents(t *testing.T) {
	t.Parallel()
	later := now.Add(time.Minute)
	held := []*pb.OrderStock{{ProductId: "p1", WarehouseId: "w1", Quantity: 1}, {ProductId: "p1", WarehouseId: "w2", Quantity: 1}}
	cases := []struct {
		name  string
		state func(t *testing.T) *pb.OrderState
		want  []string
		check func(t *testing.T, last *pb.OrderEvent)
	}{
		{
			name:  "a_placed_order_has_only_its_placed_event",
			state: func(t *testing.T) *pb.OrderState { return mustPlace(t, place(line("p1", 2, "w1")), "reserve p1@w1 2") },
			want:  []string{"placed#1"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if len(e.GetLines()) != 1 || e.GetLines()[0].GetQuantity() != 2 || e.GetOccurredAtUnixMs() != now.UnixMilli() || e.GetExpiresAtUnixMs() == 0 {
					t.Errorf("placed event %v, want line p1 x2 at placement with its deadline", e)
				}
			},
		},
		{
			name:  "a_reserved_order_says_where_its_stock_is_held",
			state: heldInTwoWarehouses,
			want:  []string{"placed#1", "reserved#2"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if !eqStock(e.GetHeld(), held) || len(e.GetReleased())+len(e.GetCommitted()) != 0 {
					t.Errorf("reserved event held %v released %v, want held %v only", e.GetHeld(), e.GetReleased(), held)
				}
			},
		},
		{
			name: "a_paid_order_says_what_was_committed_with_the_payment_reference",
			state: func(t *testing.T) *pb.OrderState {
				s := heldInTwoWarehouses(t)
				mustDo(t)(orders.Pay(s, "psp-42", later))
				return s
			},
			want: []string{"placed#1", "reserved#2", "paid#3"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if e.GetPaymentReference() != "psp-42" || e.GetPaidAtUnixMs() != later.UnixMilli() || e.GetOccurredAtUnixMs() != later.UnixMilli() {
					t.Errorf("paid event %v, want reference psp-42 paid at %d", e, later.UnixMilli())
				}
				if !eqStock(e.GetCommitted(), held) || len(e.GetHeld()) != 0 {
					t.Errorf("paid event committed %v held %v, want committed %v and nothing held", e.GetCommitted(), e.GetHeld(), held)
				}
			},
		},
		{
			name: "a_cancelled_order_says_what_was_released_and_why",
			state: func(t *testing.T) *pb.OrderState {
				s := heldInTwoWarehouses(t)
				mustDo(t)(orders.Cancel(s, "changed my mind", later))
				return s
			},
			want: []string{"placed#1", "reserved#2", "cancelled#3"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if e.GetReason() != "changed my mind" || e.GetCancelledAtUnixMs() != later.UnixMilli() || !eqStock(e.GetReleased(), held) || len(e.GetHeld()) != 0 {
					t.Errorf("cancelled event %v, want the reason, the time and released %v", e, held)
				}
			},
		},
		{
			name: "an_expired_order_releases_with_reason_expired",
			state: func(t *testing.T) *pb.OrderState {
				s := heldInTwoWarehouses(t)
				orders.Expire(s, now.Add(31*time.Minute))
				return s
			},
			want: []string{"placed#1", "reserved#2", "expired#3"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if e.GetReason() != "expired" || e.GetOccurredAtUnixMs() != now.Add(31*time.Minute).UnixMilli() || !eqStock(e.GetReleased(), held) {
					t.Errorf("expired event %v, want reason expired and released %v", e, held)
				}
			},
		},
		{
			name: "a_rejected_order_names_the_problem_and_what_it_had_held",
			state: func(t *testing.T) *pb.OrderState {
				s := mustPlace(t, place(line("p1", 1, "w1"), line("p2", 4, "w1")), "reserve p1@w1 1", "reserve p2@w1 4")
				expectReply(t, s, reply("p1", "w1", 1), pending)
				expectReply(t, s, reply("p2", "w1", 1), rejected, "release p1@w1", "release p2@w1")
				return s
			},
			want: []string{"placed#1", "rejected#2"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				want := []*pb.OrderStock{{ProductId: "p1", WarehouseId: "w1", Quantity: 1}, {ProductId: "p2", WarehouseId: "w1", Quantity: 1}}
				if e.GetReason() != "rejected" || e.GetProblem().GetField() != "lines[1].quantity" || !eqStock(e.GetReleased(), want) {
					t.Errorf("rejected event %v, want reason rejected, problem on lines[1].quantity, released %v", e, want)
				}
			},
		},
		{
			name: "a_rejection_waits_for_the_reserves_still_in_flight",
			state: func(t *testing.T) *pb.OrderState {
				s := mustPlace(t, place(line("p1", 1, "w1"), line("p2", 4, "w1")), "reserve p1@w1 1", "reserve p2@w1 4")
				expectReply(t, s, reply("p2", "w1", 0), rejected)
				return s
			},
			want: []string{"placed#1"},
		},
		{
			name: "an_order_cancelled_while_pending_has_no_reserved_event",
			state: func(t *testing.T) *pb.OrderState {
				s := mustPlace(t, place(line("p1", 1, "w1")), "reserve p1@w1 1")
				mustDo(t)(orders.Cancel(s, "cancelled by customer", later))
				expectReply(t, s, reply("p1", "w1", 1), cancelled, "release p1@w1")
				return s
			},
			want: []string{"placed#1", "cancelled#2"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if !eqStock(e.GetReleased(), []*pb.OrderStock{{ProductId: "p1", WarehouseId: "w1", Quantity: 1}}) || e.GetOccurredAtUnixMs() != later.UnixMilli() {
					t.Errorf("cancelled event %v, want the late hold released, at the cancel's time", e)
				}
			},
		},
		{
			name: "an_order_with_no_active_warehouse_is_placed_and_rejected_at_once",
			state: func(t *testing.T) *pb.OrderState {
				s, _, err := orders.Place("o1", place(line("p1", 1)), now)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			want: []string{"placed#1", "rejected#2"},
			check: func(t *testing.T, e *pb.OrderEvent) {
				if len(e.GetReleased()) != 0 || e.GetProblem() == nil {
					t.Errorf("rejected event %v, want a problem and nothing released", e)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := c.state(t)
			evs := orders.Events(s, 0)
			if got := eventsOf(evs); !equal(got, c.want) {
				t.Fatalf("events %v, want %v", got, c.want)
			}
			for _, e := range evs {
				if e.GetEventId() != "o1#"+orders.EventKindName(e.GetKind()) || e.GetOrderId() != "o1" || e.GetUserId() != "u1" || e.GetShopId() != "s1" {
					t.Errorf("event %v: want id o1#<kind> for o1 of u1 in s1", e)
				}
			}
			if !sameEvents(evs, orders.Events(s, 0)) {
				t.Error("events differ when built twice from the same state")
			}
			if c.check != nil {
				c.check(t, evs[len(evs)-1])
			}
		})
	}
}

func mustDo(t *testing.T) func(orders.Effects, error) {
	return func(_ orders.Effects, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func eqStock(a, b []*pb.OrderStock) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameEvents(a, b []*pb.OrderEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestTheProcessorEmitsEachOrderEventOnceAndARedriveRepeatsThemWithTheSameIDs(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	events := gkt.NewQueueTracker(string(topics.OrderEvents))

	gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(place(line("p1", 1, "w1"))))
	sendReply(t, gkt, reply("p1", "w1", 1))
	sendReply(t, gkt, reply("p1", "w1", 1)) // a duplicate reply: no event
	pay := &pb.OrderCommand{CommandId: "c1", OrderId: "o1", CorrelationId: "c1", Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{PaymentReference: "psp-1"}}}
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", pay)
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", pay) // paying again: no event

	keys, first := gokatest.Drain[*pb.OrderEvent](t, events)
	if got := eventsOf(first); !equal(got, []string{"placed#1", "reserved#2", "paid#3"}) || !equal(keys, []string{"o1", "o1", "o1"}) {
		t.Fatalf("events %v keyed %v, want placed, reserved, paid keyed o1", got, keys)
	}
	if first[2].GetPaymentReference() != "psp-1" {
		t.Errorf("paid event reference %q, want psp-1", first[2].GetPaymentReference())
	}

	gokatest.Send(t, gkt, topics.OrderCommands, "o1", &pb.OrderCommand{CommandId: "r1", OrderId: "o1", Kind: &pb.OrderCommand_Redrive{Redrive: &pb.RedriveOrder{}}})
	_, again := gokatest.Drain[*pb.OrderEvent](t, events)
	if !sameEvents(first, again) {
		t.Fatalf("redrive emitted %v, want the same events %v", eventsOf(again), eventsOf(first))
	}
}
