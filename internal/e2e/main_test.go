package e2e_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stockflow/stockflow/system"
)

func TestMain(m *testing.M) {
	system.SetupLogging(system.Config{LogFormat: "text", LogLevel: "warn"}, os.Stderr)
	code := m.Run()
	// The crash and fault tests build the binary they start once, into a
	// temporary directory of its own (stockflowBinary).
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}
