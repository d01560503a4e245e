package system

import (
	"log/slog"

	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/internal/demo"
)

// seedDemo loads the demo data set once the system is ready. A failure is
// logged, not fatal: the system works without demo data.
func (s *System) seedDemo(tokens *auth.Tokens) error {
	if !s.waitFor(s.Ready) {
		return nil
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
