package transfers

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/stream"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Sender produces one command (kafka.Sender does).
type Sender interface {
	Send(ctx context.Context, topic goka.Stream, key string, msg proto.Message) error
}

// Reconciler runs beside the transfers processor: every Interval it
// re-drives transfers whose leg has waited for its reply longer than
// After. Re-driving re-sends the stored outstanding command (same id, same
// stamp), which the stock level applies at most once.
type Reconciler struct {
	Transfers *goka.View
	Sender    Sender
	Interval  time.Duration
	After     time.Duration
}

// Run reconciles until ctx ends.
func (r Reconciler) Run(ctx context.Context) error {
	return stream.Periodically(ctx, r.Interval, r.Transfers.Recovered, "transfers reconciler", r.Pass)
}

// Pass re-drives every transfer NeedsRedrive picks and returns how many.
func (r Reconciler) Pass(ctx context.Context, now time.Time) (int, error) {
	it, err := r.Transfers.Iterator()
	if err != nil {
		return 0, fmt.Errorf("scan transfers: %w", err)
	}
	defer it.Release()
	n := 0
	for it.Next() {
		v, err := it.Value()
		s, ok := v.(*pb.TransferState)
		if err != nil || !ok || !NeedsRedrive(s, now, r.After) {
			continue
		}
		cmd := &pb.TransferCommand{CommandId: "redrive/" + it.Key(), TransferId: it.Key(), Kind: &pb.TransferCommand_Redrive{Redrive: &pb.RedriveTransfer{}}}
		if err := r.Sender.Send(ctx, topics.TransferCommands, it.Key(), cmd); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
