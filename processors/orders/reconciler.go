package orders

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Sender produces one command (kafka.Sender does).
type Sender interface {
	Send(ctx context.Context, topic goka.Stream, key string, msg proto.Message) error
}

// Reconciler runs beside the orders processor. Every Interval it re-drives
// orders that have waited on a stock reply, stayed pending, or stayed
// reserved past their deadline for longer than After, and it checks that
// each stock level's reserved equals what the orders say they hold there.
type Reconciler struct {
	Stock, Orders *goka.View
	Sender        Sender
	Interval      time.Duration
	After         time.Duration
	// suspects are the levels that disagreed in the previous pass, with
	// their version then: a disagreement that outlives a pass with the
	// level unchanged is reported (a single pass may see lagging views).
	suspects map[string]int64
}

// Run reconciles until ctx ends.
func (r *Reconciler) Run(ctx context.Context) error {
	ready := func() bool { return r.Stock.Recovered() && r.Orders.Recovered() }
	return stream.Periodically(ctx, r.Interval, ready, "orders reconciler", r.Pass)
}

// Pass re-drives every order NeedsRedrive picks, checks the levels, and
// returns how many orders it re-drove.
func (r *Reconciler) Pass(ctx context.Context, now time.Time) (int, error) {
	it, err := r.Orders.Iterator()
	if err != nil {
		return 0, fmt.Errorf("scan orders: %w", err)
	}
	defer it.Release()
	held := map[string]int64{}
	n := 0
	for it.Next() {
		v, err := it.Value()
		s, ok := v.(*pb.OrderState)
		if err != nil || !ok {
			continue
		}
		for key, q := range Holds(s) {
			held[key] += q
		}
		if !NeedsRedrive(s, now, r.After) {
			continue
		}
		cmd := &pb.OrderCommand{CommandId: "redrive/" + it.Key(), OrderId: it.Key(), Kind: &pb.OrderCommand_Redrive{Redrive: &pb.RedriveOrder{}}}
		if err := r.Sender.Send(ctx, topics.OrderCommands, it.Key(), cmd); err != nil {
			return n, err
		}
		n++
	}
	return n, r.checkLevels(held)
}

// checkLevels compares each level's reserved with what orders hold there.
func (r *Reconciler) checkLevels(held map[string]int64) error {
	it, err := r.Stock.Iterator()
	if err != nil {
		return fmt.Errorf("scan stock: %w", err)
	}
	defer it.Release()
	suspects := map[string]int64{}
	for it.Next() {
		v, err := it.Value()
		l, ok := v.(*pb.StockLevel)
		if err != nil || !ok || l.GetReserved() == held[it.Key()] {
			continue
		}
		suspects[it.Key()] = l.GetVersion()
		if version, seen := r.suspects[it.Key()]; seen && version == l.GetVersion() {
			slog.Warn("stock level and orders disagree", "level", it.Key(), "reserved", l.GetReserved(), "orders_hold", held[it.Key()])
		}
	}
	mismatched := 0
	for key, version := range suspects {
		if r.suspects[key] == version {
			mismatched++
		}
	}
	metrics.ReconcileMismatches.Set(float64(mismatched))
	r.suspects = suspects
	return nil
}
