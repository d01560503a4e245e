package app

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/internal/demo"
)

// Login throttling: an email, or a client address (which may be a whole
// office behind one NAT, hence the higher limit), is blocked after this many
// failures within the window.
const (
	emailFailureLimit  = 5
	clientFailureLimit = 20
	loginFailureWindow = 15 * time.Minute
)

const missingTokenKey = "--token-key (STOCKFLOW_TOKEN_KEY) is required outside dev: set a random secret of at least 32 bytes"

// trustedProxies parses --trusted-proxies (validated by Validate).
func (c Config) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			out = append(out, prefix)
		}
	}
	return out
}

// devTokenKey signs tokens under `stockflow dev` when no key is configured.
// It is public, so tokens signed with it prove nothing outside a laptop.
const devTokenKey = "stockflow-development-signing-key-not-for-production"

func (s *System) tokens(dev bool) (*auth.Tokens, error) {
	key := s.cfg.TokenKey
	if key == "" {
		if !dev {
			return nil, errors.New(missingTokenKey)
		}
		slog.Warn("using the public development token key; set STOCKFLOW_TOKEN_KEY for anything real")
		key = devTokenKey
	}
	return auth.NewTokens([]byte(key), s.cfg.TokenTTL)
}

// seedDemo loads the demo data set once the system is ready. A failure is
// logged, not fatal: the system works without demo data.
func (s *System) seedDemo(tokens *auth.Tokens) error {
	for !s.Ready() {
		select {
		case <-s.failed.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
	token, err := tokens.Issue(auth.Principal{UserID: "demo-seeder", Admin: true})
	if err != nil {
		return err
	}
	slog.Info("seeding demo data: 2 shops, 4 warehouses, 50 products")
	if err := demo.Seed(s.failed, "http://"+s.HTTPAddr(), token); err != nil && s.failed.Err() == nil {
		slog.Error("demo data incomplete", "error", err)
		return nil
	}
	slog.Info("demo data ready", "try", "curl http://"+s.HTTPAddr()+"/products?limit=5")
	return nil
}

// ensureAdmin creates the configured admin account once the users view is
// ready. It retries while the system starts and gives up with the system.
func (s *System) ensureAdmin(deps api.Deps) error {
	for !s.tablesReady() {
		select {
		case <-s.failed.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
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
