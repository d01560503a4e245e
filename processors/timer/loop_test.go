package timer_test

import (
	"context"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// run starts a goka processor or view on gkt until the test ends.
func run(t *testing.T, r interface{ Run(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stopped with error: %v", err)
		}
	})
}

func processor(t *testing.T, gkt *tester.Tester, g *goka.GroupGraph) {
	t.Helper()
	p, err := goka.NewProcessor(nil, g, goka.WithTester(gkt))
	if err != nil {
		t.Fatal(err)
	}
	run(t, p)
}

func reserve(t *testing.T, gkt *tester.Tester, id string, ttlSeconds int64) {
	t.Helper()
	gokatest.Send(t, gkt, topics.OrderCommands, id, &pb.OrderCommand{CommandId: id, OrderId: id, Kind: &pb.OrderCommand_Place{Place: &pb.PlaceOrder{
		UserId: "u1", ShopId: "s1", TtlSeconds: ttlSeconds,
		Lines: []*pb.LineRequest{{ProductId: "p1", Quantity: 1, WarehouseIds: []string{"w1"}}},
	}}})
	state := gkt.TableValue(topics.OrdersTable, id).(*pb.OrderState)
	gokatest.Send(t, gkt, topics.StockReplies, id, &pb.StockReply{
		CommandId: state.GetOutstanding()[0].GetCommandId(), OrderId: id, ProductId: "p1", WarehouseId: "w1",
		Kind: pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE, Quantity: 1,
	})
}

func status(gkt *tester.Tester, id string) pb.OrderStatus {
	s, _ := gkt.TableValue(topics.OrdersTable, id).(*pb.OrderState)
	return s.GetOrder().GetStatus()
}

// The saga, the timer and its scheduler on goka testers (two: goka's
// tester wants one codec per topic, and the saga emits typed timer
// commands that the timer reads as bytes). Records are carried between
// them as Kafka would deliver them.
func TestAPaidOrderIsNeverExpiredAndAnUnpaidOneIs(t *testing.T) {
	saga, tm := tester.New(t), tester.New(t)
	processor(t, saga, orders.Graph())
	processor(t, tm, timer.Graph())
	stock := saga.NewQueueTracker(string(topics.StockCommands))
	toTimer := saga.NewQueueTracker(string(topics.TimerCommands))
	forward := func() {
		keys, cmds := gokatest.Drain[*pb.TimerCommand](t, toTimer)
		for i, k := range keys {
			gokatest.Send(t, tm, topics.TimerCommands, k, cmds[i])
		}
	}
	c := &clock{now: time.Now()}
	fp := &fakeProducer{}
	fp.then = func(r *kgo.Record) {
		if r.Topic == string(topics.OrderCommands) {
			saga.Consume(r.Topic, string(r.Key), r.Value)
		} else {
			tm.Consume(r.Topic, string(r.Key), r.Value)
		}
	}
	s := &timer.Scheduler{Client: fp, Now: c.Now}
	view, err := s.NewView(nil, goka.WithViewTester(tm))
	if err != nil {
		t.Fatal(err)
	}
	run(t, view)
	for !view.Recovered() {
		time.Sleep(time.Millisecond)
	}

	reserve(t, saga, "paid", 1800)
	reserve(t, saga, "unpaid", 0) // due at once
	forward()
	if s.Len() != 2 {
		t.Fatalf("the scheduler knows %d deadlines, want 2", s.Len())
	}
	gokatest.Send(t, saga, topics.OrderCommands, "paid", &pb.OrderCommand{CommandId: "pay", OrderId: "paid", Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{}}})
	forward()
	if s.Len() != 1 || tm.TableValue(topics.TimerTable, timer.Key("paid")) != nil {
		t.Fatalf("paying left the deadline stored (scheduler knows %d)", s.Len())
	}
	gokatest.Drain[*pb.StockCommand](t, stock)

	c.now = c.now.Add(time.Hour) // past both deadlines
	if fired, err := s.Wake(context.Background()); err != nil || fired != 1 {
		t.Fatalf("fired %d (%v), want only the unpaid order", fired, err)
	}
	// A stray expiry (a duplicate, or one fired before the cancel arrived)
	// reaching the paid order changes nothing either.
	gokatest.Send(t, saga, topics.OrderCommands, "paid", timer.ExpireCommand("paid", c.now))
	if status(saga, "paid") != pb.OrderStatus_ORDER_STATUS_PAID || status(saga, "unpaid") != pb.OrderStatus_ORDER_STATUS_EXPIRED {
		t.Fatalf("paid order %v, unpaid order %v; want paid and expired", status(saga, "paid"), status(saga, "unpaid"))
	}
	if keys, cmds := gokatest.Drain[*pb.StockCommand](t, stock); len(keys) != 1 || cmds[0].GetRelease().GetOrderId() != "unpaid" {
		t.Fatalf("stock commands after expiry %v, want one release for the unpaid order", keys)
	}
	c.now = c.now.Add(timer.DefaultRefire) // the second firing deletes it
	if _, err := s.Wake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys, _ := gokatest.Drain[*pb.StockCommand](t, stock); len(keys) != 0 {
		t.Fatalf("the second firing released again: %v", keys)
	}
	forward()
	if tm.TableValue(topics.TimerTable, timer.Key("unpaid")) != nil || s.Len() != 0 {
		t.Fatalf("the fired deadline is still stored (scheduler knows %d)", s.Len())
	}
}
