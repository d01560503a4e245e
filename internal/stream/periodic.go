package stream

import (
	"context"
	"log/slog"
	"time"
)

// Periodically runs pass every interval until ctx ends, skipping rounds
// while ready says the views it reads are still restoring. what names the
// loop in its log lines; pass returns how many things it acted on.
func Periodically(ctx context.Context, interval time.Duration, ready func() bool, what string, pass func(context.Context, time.Time) (int, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !ready() {
			continue
		}
		n, err := pass(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Warn(what+" pass failed", "error", err)
		case n > 0:
			slog.Info(what+" re-drove what waited too long", "count", n)
		}
	}
}
