package system

import (
	"context"
	"fmt"
	"log/slog"
)

// Run starts the parts and blocks until ctx ends (SIGINT/SIGTERM) or a part
// fails, then shuts down gracefully.
func Run(ctx context.Context, cfg Config, parts Parts) error {
	s, err := Start(ctx, cfg, parts)
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
