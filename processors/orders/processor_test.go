package orders_test

import (
	"testing"
	"time"

	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/orders"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func placeCmd(p *pb.PlaceOrder) *pb.OrderCommand {
	return &pb.OrderCommand{CommandId: "o1", OrderId: "o1", CorrelationId: "o1", Kind: &pb.OrderCommand_Place{Place: p}}
}

func TestProcessorRunsTheSagaOverKafkaTopics(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	stockCmds := gkt.NewQueueTracker(string(topics.StockCommands))
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))

	gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(place(line("p1", 1, "w1"), line("p2", 2, "w1"))))
	keys, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if !equal(keys, []string{"p1@w1", "p2@w1"}) || len(sent) != 2 {
		t.Fatalf("stock commands keyed %v, want p1@w1 and p2@w1", keys)
	}
	for _, c := range sent {
		if c.GetSource() != "order-commands/0" || c.GetSourceOffset() != 0 {
			t.Fatalf("command %s stamped %s/%d, want the place's input order-commands/0 offset 0", c.GetCommandId(), c.GetSource(), c.GetSourceOffset())
		}
	}
	sendReply(t, gkt, reply("p1", "w1", 1))
	sendReply(t, gkt, reply("p2", "w1", 1))

	_, sent = gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if got := []string{cmd(sent[0]), cmd(sent[1])}; !equal(got, []string{"release p1@w1", "release p2@w1"}) {
		t.Fatalf("compensation sent %v", got)
	}
	// The stored rejection is the place's outcome (outcomes.Waiters.OrderStored).
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 0 {
		t.Fatalf("outcomes %v, want none: the stored order answers the place", outs)
	}
	if s := gkt.TableValue(topics.OrdersTable, "o1").(*pb.OrderState); s.GetOrder().GetStatus() != rejected {
		t.Fatalf("stored status %v, want rejected", s.GetOrder().GetStatus())
	}
}

func TestRetriedPlaceAnswersAgainWithoutReservingTwice(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	stockCmds := gkt.NewQueueTracker(string(topics.StockCommands))
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))

	p := place(line("p1", 1, "w1"))
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(p))
	sendReply(t, gkt, reply("p1", "w1", 1))
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(p))

	if _, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds); len(sent) != 1 {
		t.Fatalf("sent %d stock commands, want 1", len(sent))
	}
	// The first decision is answered by the stored order; the retry, which
	// stores nothing, by an outcome.
	_, outs := gokatest.Drain[*pb.Outcome](t, outcomes)
	if len(outs) != 1 || outs[0].GetOrder().GetStatus() != reserved || outs[0].GetCorrelationId() != "o1" {
		t.Fatalf("outcomes %v, want reserved once, for the retry", outs)
	}
}

// sendReply answers the stored order's outstanding command for r's level.
func sendReply(t *testing.T, gkt *tester.Tester, r *pb.StockReply) {
	t.Helper()
	s, _ := gkt.TableValue(topics.OrdersTable, r.GetOrderId()).(*pb.OrderState)
	gokatest.Send(t, gkt, topics.StockReplies, r.GetOrderId(), answering(s, r))
}

func TestARepliesThatOvertakesItsPlaceIsKeptForIt(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))
	p := place(line("p1", 1, "w1"))
	first, _, _ := orders.Place("o1", p, now)
	early := reply("p1", "w1", 1)
	early.CommandId = first.GetOutstanding()[0].GetCommandId()
	gokatest.Send(t, gkt, topics.StockReplies, "o1", early)
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(p))
	if s := gkt.TableValue(topics.OrdersTable, "o1").(*pb.OrderState); s.GetOrder().GetStatus() != reserved {
		t.Fatalf("status %v, want reserved from the early reply", s.GetOrder().GetStatus())
	}
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 0 {
		t.Fatalf("outcomes %v, want none: the stored order answers the place", outs)
	}
}

func TestPayForAnUnknownOrderIsANotFoundOutcome(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))
	gokatest.Send(t, gkt, topics.OrderCommands, "o9", &pb.OrderCommand{CommandId: "c1", OrderId: "o9", CorrelationId: "c1", Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{}}})
	keys, outs := gokatest.Drain[*pb.Outcome](t, outcomes)
	if len(outs) != 1 || keys[0] != "c1" || outs[0].GetProblem().GetCode() != pb.ErrorCode_ERROR_CODE_NOT_FOUND {
		t.Fatalf("outcomes %v, want not found on c1", outs)
	}
}

// created_at is when the API accepted the order; the payment window (ttl)
// starts when the saga places it, so an order accepted during an outage
// still gets its whole window once its stock is held.
func TestCreatedAtIsAcceptanceAndTheWindowStartsAtPlacement(t *testing.T) {
	gkt := gokatest.Start(t, orders.Graph())
	accepted := time.Now().Add(-47 * time.Second)
	cmd := placeCmd(place(line("p1", 1, "w1")))
	cmd.IssuedAtUnixMs = accepted.UnixMilli()
	gokatest.Send(t, gkt, topics.OrderCommands, "o1", cmd)
	o := gkt.TableValue(topics.OrdersTable, "o1").(*pb.OrderState).GetOrder()
	if o.GetCreatedAtUnixMs() != accepted.UnixMilli() {
		t.Errorf("created_at %d, want the API's acceptance %d", o.GetCreatedAtUnixMs(), accepted.UnixMilli())
	}
	if window := time.UnixMilli(o.GetExpiresAtUnixMs()).Sub(accepted); window < 1800*time.Second+40*time.Second {
		t.Errorf("expires_at is %s after acceptance, want the whole 30 min counted from placement", window)
	}
}

// A pay is decided on the API's clock: one issued before the deadline but
// applied after it (re-applied after a crash, or queued behind an outage)
// is decided as it was when issued, so a pay whose commits landed before a
// crash is not refused for lateness when it is applied again.
func TestAPayIsDecidedAtItsIssueTimeNotWhenItIsApplied(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issued time.Duration // relative to expires_at
		want   pb.OrderStatus
	}{
		{"issued before the deadline", -time.Second, paid},
		{"issued after the deadline", time.Second, reserved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gkt := gokatest.Start(t, orders.Graph())
			gokatest.Send(t, gkt, topics.OrderCommands, "o1", placeCmd(place(line("p1", 1, "w1"))))
			sendReply(t, gkt, reply("p1", "w1", 1))
			s := gkt.TableValue(topics.OrdersTable, "o1").(*pb.OrderState)
			deadline := time.Now().Add(-time.Minute) // passed while the pay waited
			s.Order.ExpiresAtUnixMs = deadline.UnixMilli()
			gkt.SetTableValue(topics.OrdersTable, "o1", s)

			gokatest.Send(t, gkt, topics.OrderCommands, "o1", &pb.OrderCommand{
				CommandId: "pay1", OrderId: "o1", CorrelationId: "pay1", IssuedAtUnixMs: deadline.Add(tc.issued).UnixMilli(),
				Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{}},
			})
			if got := gkt.TableValue(topics.OrdersTable, "o1").(*pb.OrderState).GetOrder().GetStatus(); got != tc.want {
				t.Fatalf("status %v, want %v", got, tc.want)
			}
		})
	}
}
