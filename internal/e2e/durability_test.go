package e2e_test

import (
	"testing"
)

func TestRestartOnTheSameDataDirKeepsEveryLevel(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	restartKeepsLevels(t, s, plainSKU, func() *stack {
		s.stop()
		return start(t, dir)
	})
}

func TestConcurrentOrdersNeverOversell(t *testing.T) {
	neverOversell(t, start(t, t.TempDir()), plainSKU, 50, 2000, 500)
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
