package system

import (
	"context"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/transfers"
	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

// startTransferReconciler runs the transfers reconciler beside the
// transfers processor.
func (s *System) startTransferReconciler(g kafka.Goka) error {
	if s.cfg.ReconcileInterval <= 0 {
		return nil
	}
	view, err := g.NewView(topics.TransfersTable, schemas.TransferStateCodec, "transfer-reconciler")
	if err != nil {
		return err
	}
	client, err := kafka.NewProducer(s.cfg.Brokers, "stockflow-transfer-reconciler")
	if err != nil {
		return err
	}
	s.clients = append(s.clients, client)
	r := transfers.Reconciler{Transfers: view, Sender: kafka.Sender{Client: client}, Interval: s.cfg.ReconcileInterval, After: s.cfg.ReconcileAfter}
	// The view closes only after the loop that reads it has returned.
	viewCtx, stopView := context.WithCancel(context.Background())
	s.group.Go(func() error { return view.Run(viewCtx) })
	s.readies = append(s.readies, view.Recovered)
	s.group.Go(func() error {
		defer stopView()
		return r.Run(s.failed)
	})
	return nil
}
