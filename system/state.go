package system

import (
	"fmt"
	"log/slog"
	"os"
)

// A processor group's local tables live in <state>/processor/<group>; the
// file <group>.clean beside them is written when the group stops
// gracefully. Without it the local tables may hold writes that never reached
// their changelog in Kafka (goka writes locally first), so they are wiped
// and restored from Kafka: local state then always equals a prefix of the
// changelog, and replayed commands rebuild the rest. Each group has its own
// marker, so processes running different groups on one data directory do
// not wipe or vouch for each other's tables.

func cleanMarker(groupDir string) string { return groupDir + ".clean" }

// prepareGroupState wipes a group's tables after an unclean shutdown and
// removes its marker for the run that starts.
func prepareGroupState(groupDir string) error {
	marker := cleanMarker(groupDir)
	if _, err := os.Stat(groupDir); err == nil {
		if _, err := os.Stat(marker); os.IsNotExist(err) {
			slog.Warn("the previous run did not stop cleanly; restoring tables from Kafka", "dir", groupDir)
			if err := os.RemoveAll(groupDir); err != nil {
				return fmt.Errorf("wipe processor state %s: %w", groupDir, err)
			}
		}
	}
	if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", marker, err)
	}
	return nil
}

// markCleanShutdown records that a group stopped gracefully.
func markCleanShutdown(groupDir string) {
	if err := os.WriteFile(cleanMarker(groupDir), nil, 0o644); err != nil {
		slog.Warn("could not record the clean shutdown; tables will be restored from Kafka at next start", "error", err)
	}
}
