package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// reconciler compares the stock holds with the orders every interval and
// asks the saga to re-drive orders that disagree. It closes the one gap
// replay detection leaves: goka marks an input offset when that message's
// writes are acknowledged, and a later message's acknowledgement can mark
// past an earlier message whose writes a crash then loses.
type reconciler struct {
	stock, orders *goka.View
	client        *kgo.Client
	interval      time.Duration
	after         time.Duration
}

// startReconciler runs a reconciler beside the orders processor.
func (s *System) startReconciler(g kafka.Goka) error {
	if s.cfg.ReconcileInterval <= 0 {
		return nil
	}
	r := reconciler{interval: s.cfg.ReconcileInterval, after: s.cfg.ReconcileAfter}
	var err error
	if r.stock, err = g.NewView(topics.StockTable, schemas.StockLevelCodec, "reconciler"); err != nil {
		return err
	}
	if r.orders, err = g.NewView(topics.OrdersTable, schemas.OrderStateCodec, "reconciler"); err != nil {
		return err
	}
	if r.client, err = kafka.NewProducer(s.cfg.Brokers, "stockflow-reconciler"); err != nil {
		return err
	}
	s.clients = append(s.clients, r.client)
	// The views close only after the loop that reads them has returned.
	viewCtx, stopViews := context.WithCancel(context.Background())
	for _, v := range []*goka.View{r.stock, r.orders} {
		s.group.Go(func() error { return v.Run(viewCtx) })
		s.readies = append(s.readies, v.Recovered)
	}
	s.group.Go(func() error {
		defer stopViews()
		return r.run(s.failed)
	})
	return nil
}

func (r reconciler) run(ctx context.Context) error {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !r.stock.Recovered() || !r.orders.Recovered() {
			continue
		}
		n, err := r.pass(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Warn("reconciliation pass failed", "error", err)
		case n > 0:
			slog.Info("re-drove orders whose state and stock disagreed", "orders", n)
		}
	}
}

// pass re-drives every order NeedsRedrive picks and returns how many.
func (r reconciler) pass(ctx context.Context) (int, error) {
	held, err := r.heldOrders()
	if err != nil {
		return 0, err
	}
	it, err := r.orders.Iterator()
	if err != nil {
		return 0, fmt.Errorf("scan orders: %w", err)
	}
	defer it.Release()
	var recs []*kgo.Record
	now := time.Now()
	for it.Next() {
		v, err := it.Value()
		s, ok := v.(*pb.OrderState)
		if err != nil || !ok || !orders.NeedsRedrive(s, held[it.Key()], now, r.after) {
			continue
		}
		cmd, _ := proto.Marshal(&pb.OrderCommand{CommandId: "redrive/" + it.Key(), OrderId: it.Key(), Kind: &pb.OrderCommand_Redrive{Redrive: &pb.RedriveOrder{}}})
		recs = append(recs, &kgo.Record{Topic: string(topics.OrderCommands), Key: []byte(it.Key()), Value: cmd})
	}
	if len(recs) == 0 {
		return 0, nil
	}
	return len(recs), r.client.ProduceSync(ctx, recs...).FirstErr()
}

// heldOrders lists the orders any stock level holds stock for.
func (r reconciler) heldOrders() (map[string]bool, error) {
	it, err := r.stock.Iterator()
	if err != nil {
		return nil, fmt.Errorf("scan stock: %w", err)
	}
	defer it.Release()
	held := map[string]bool{}
	for it.Next() {
		if v, err := it.Value(); err == nil {
			if l, ok := v.(*pb.StockLevel); ok {
				for order := range l.GetHolds() {
					held[order] = true
				}
			}
		}
	}
	return held, nil
}
