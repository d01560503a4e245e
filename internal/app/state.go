package app

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// cleanMarker is written when processors stop gracefully. Without it, the
// local copies of processor tables may hold writes that never reached their
// changelog in Kafka (goka writes locally first), so they are wiped and
// restored from Kafka: local state then always equals a prefix of the
// changelog, and replayed commands rebuild the rest exactly.
const cleanMarker = "CLEAN_SHUTDOWN"

// prepareProcessorState wipes dir after an unclean shutdown and removes the
// marker for the run that starts.
func prepareProcessorState(dir string) error {
	marker := filepath.Join(dir, cleanMarker)
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(marker); os.IsNotExist(err) {
			slog.Warn("the previous run did not stop cleanly; restoring processor tables from Kafka", "dir", dir)
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("wipe processor state %s: %w", dir, err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create processor state %s: %w", dir, err)
	}
	if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", marker, err)
	}
	return nil
}

// markCleanShutdown records that processors in dir stopped gracefully.
func markCleanShutdown(dir string) {
	if err := os.WriteFile(filepath.Join(dir, cleanMarker), nil, 0o644); err != nil {
		slog.Warn("could not record the clean shutdown; tables will be restored from Kafka at next start", "error", err)
	}
}
