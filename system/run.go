package system

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Run starts the parts and blocks until ctx ends (SIGINT/SIGTERM) or a part
// fails, then shuts down gracefully.
func Run(ctx context.Context, cfg Config, parts Parts) error {
	s, err := startWhenReachable(ctx, cfg, parts)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	select {
	case <-ctx.Done():
		slog.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case <-s.Failed():
		slog.Error("a part stopped unexpectedly; shutting down")
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Stop(stopCtx); err != nil {
		return fmt.Errorf("stopped with error: %w", err)
	}
	slog.Info("stopped cleanly")
	return nil
}

// startWhenReachable starts the parts; while a start fails because Kafka
// cannot be reached (a broker outage or a cut network as the process
// starts: goka's processors and views dial Kafka as they are built) it
// retries with the supervisor's backoff until ctx ends, as a running part
// rides out an outage. Any other error fails at once.
func startWhenReachable(ctx context.Context, cfg Config, parts Parts) (*System, error) {
	delay := restartMin
	for tries := 1; ; tries++ {
		s, err := Start(ctx, cfg, parts)
		if err == nil || !unreachable(err) || ctx.Err() != nil {
			return s, err
		}
		wait := jitter(delay)
		slog.Warn("kafka unreachable at start; starting again", "error", err, "retry_in", wait.Round(time.Millisecond), "tries", tries)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		delay = min(2*delay, restartMax)
	}
}
