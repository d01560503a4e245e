package system

import (
	"context"
	"log/slog"
	"time"

	"github.com/stockflow/stockflow/api"
)

// ensureAdmin creates the configured admin account once the users view is
// ready. It retries while the system starts and gives up with the system.
func (s *System) ensureAdmin(deps api.Deps) error {
	if !s.waitFor(s.tablesReady) {
		return nil
	}
	ctx, cancel := context.WithTimeout(s.failed, time.Minute)
	defer cancel()
	if err := api.EnsureAdmin(ctx, deps, s.cfg.AdminEmail, s.cfg.AdminPassword); err != nil {
		if s.failed.Err() != nil {
			return nil
		}
		// Serving without the admin beats a crash loop (say, when a customer
		// registered the admin email first); the log says what to fix.
		slog.Error("the configured admin account could not be ensured; serving without it", "email", s.cfg.AdminEmail, "error", err)
		s.adminReady.Store(true)
		return nil
	}
	s.adminReady.Store(true)
	slog.Info("admin account ready", "email", s.cfg.AdminEmail)
	return nil
}

// waitFor polls cond until it holds (true) or the system stops (false).
func (s *System) waitFor(cond func() bool) bool {
	for !cond() {
		select {
		case <-s.failed.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return true
}
