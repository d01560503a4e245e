package system

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

// startReconciler runs the orders reconciler beside the orders processor.
func (s *System) startReconciler(g kafka.Goka) error {
	if s.cfg.ReconcileInterval <= 0 {
		return nil
	}
	r := &orders.Reconciler{Interval: s.cfg.ReconcileInterval, After: s.cfg.ReconcileAfter}
	stockView, err := g.NewCachedView(topics.StockTable, schemas.StockLevelViewCodec, "reconciler")
	if err != nil {
		return err
	}
	r.Stock = stockView.View
	if r.Orders, err = s.newView(g, topics.OrdersTable, schemas.OrderStateCodec, "reconciler"); err != nil {
		return err
	}
	client, err := kafka.NewProducer(s.cfg.Brokers, "stockflow-reconciler")
	if err != nil {
		return err
	}
	s.clients = append(s.clients, client)
	r.Sender = kafka.Sender{Client: client}
	s.shareView(topics.StockTable, stockView)
	s.shareView(topics.OrdersTable, r.Orders)
	// The views close only after the loop that reads them has returned.
	viewCtx, stopViews := context.WithCancel(context.Background())
	for _, v := range []*goka.View{r.Stock, r.Orders} {
		s.group.Go(func() error { return v.Run(viewCtx) })
		s.readies = append(s.readies, v.Recovered)
	}
	s.group.Go(func() error {
		defer stopViews()
		return r.Run(s.failed)
	})
	return nil
}

// startRelay runs the stock relay beside the stock processor: it publishes
// replies, movements and alerts from the stock changelog.
func (s *System) startRelay() error {
	producer, err := kafka.NewProducer(s.cfg.Brokers, "stockflow-stock-relay", kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		return err
	}
	consumer, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.cfg.Brokers...), kgo.ClientID("stockflow-stock-relay")}, stock.RelayConsumerOpts()...)...)
	if err != nil {
		producer.Close()
		return fmt.Errorf("stock relay consumer: %w", err)
	}
	// Closed after the producer so that a last commit can still be sent.
	s.clients = append(s.clients, producer, consumer)
	r := stock.Relay{Consumer: consumer, Producer: producer}
	s.group.Go(func() error { return r.Run(s.failed) })
	return nil
}

// shareView offers a running view of table to the parts started after it
// (the API's views, startViews).
func (s *System) shareView(table goka.Table, v api.Table) {
	if s.views == nil {
		s.views = map[goka.Table]api.Table{}
	}
	s.views[table] = v
}
