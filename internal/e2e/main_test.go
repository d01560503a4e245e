package e2e_test

import (
	"os"
	"testing"

	"github.com/stockflow/stockflow/system"
)

func TestMain(m *testing.M) {
	system.SetupLogging(system.Config{LogFormat: "text", LogLevel: "warn"}, os.Stderr)
	os.Exit(m.Run())
}
