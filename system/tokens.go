package system

import (
	"errors"
	"log/slog"
	"time"

	"github.com/stockflow/stockflow/internal/auth"
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
