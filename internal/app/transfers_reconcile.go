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
	"github.com/stockflow/stockflow/processors/transfers"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// transferReconciler re-drives transfers stuck in requested every
// interval, like the orders reconciler: replay detection cannot see a lost
// debit or credit whose input offset a later message's acknowledgement
// marked past. Re-driving re-sends the stored outstanding command (same
// id, same stamp), which the stock level applies at most once.
type transferReconciler struct {
	transfers *goka.View
	client    *kgo.Client
	interval  time.Duration
	after     time.Duration
}

// startTransferReconciler runs a reconciler beside the transfers processor.
func (s *System) startTransferReconciler(g kafka.Goka) error {
	if s.cfg.ReconcileInterval <= 0 {
		return nil
	}
	r := transferReconciler{interval: s.cfg.ReconcileInterval, after: s.cfg.ReconcileAfter}
	var err error
	if r.transfers, err = g.NewView(topics.TransfersTable, schemas.TransferStateCodec, "transfer-reconciler"); err != nil {
		return err
	}
	if r.client, err = kafka.NewProducer(s.cfg.Brokers, "stockflow-transfer-reconciler"); err != nil {
		return err
	}
	s.clients = append(s.clients, r.client)
	viewCtx, stopView := context.WithCancel(context.Background())
	s.group.Go(func() error { return r.transfers.Run(viewCtx) })
	s.readies = append(s.readies, r.transfers.Recovered)
	s.group.Go(func() error {
		defer stopView()
		return r.run(s.failed)
	})
	return nil
}

func (r transferReconciler) run(ctx context.Context) error {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !r.transfers.Recovered() {
			continue
		}
		n, err := r.pass(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Warn("transfer reconciliation pass failed", "error", err)
		case n > 0:
			slog.Info("re-drove transfers stuck in requested", "transfers", n)
		}
	}
}

// pass re-drives every transfer NeedsRedrive picks and returns how many.
func (r transferReconciler) pass(ctx context.Context) (int, error) {
	it, err := r.transfers.Iterator()
	if err != nil {
		return 0, fmt.Errorf("scan transfers: %w", err)
	}
	defer it.Release()
	var recs []*kgo.Record
	now := time.Now()
	for it.Next() {
		v, err := it.Value()
		s, ok := v.(*pb.TransferState)
		if err != nil || !ok || !transfers.NeedsRedrive(s, now, r.after) {
			continue
		}
		cmd, _ := proto.Marshal(&pb.TransferCommand{CommandId: "redrive/" + it.Key(), TransferId: it.Key(), Kind: &pb.TransferCommand_Redrive{Redrive: &pb.RedriveTransfer{}}})
		recs = append(recs, &kgo.Record{Topic: string(topics.TransferCommands), Key: []byte(it.Key()), Value: cmd})
	}
	if len(recs) == 0 {
		return 0, nil
	}
	return len(recs), r.client.ProduceSync(ctx, recs...).FirstErr()
}
