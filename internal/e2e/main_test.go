package e2e_test

import (
	"os"
	"testing"

	"github.com/stockflow/stockflow/internal/app"
)

func TestMain(m *testing.M) {
	app.SetupLogging(app.Config{LogFormat: "text", LogLevel: "warn"}, os.Stderr)
	os.Exit(m.Run())
}
