// Package chtest gives tests a real ClickHouse server: the one named by
// STOCKFLOW_TEST_CLICKHOUSE (host:port, native protocol), or else one
// started (and installed if needed) by scripts/clickhouse.sh. Each test
// gets a database of its own, dropped when it ends.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvAddr names the environment variable with a running server's address.
const EnvAddr = "STOCKFLOW_TEST_CLICKHOUSE"

var (
	once    sync.Once
	addr    string
	errText string
)

// Addr returns a running server's native address. Without one it starts
// scripts/clickhouse.sh; if that fails the test is skipped with the reason,
// unless CI is set, where it fails.
func Addr(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if a := os.Getenv(EnvAddr); a != "" {
			addr = a
			return
		}
		root, err := repoRoot()
		if err != nil {
			errText = err.Error()
			return
		}
		cmd := exec.Command(filepath.Join(root, "scripts", "clickhouse.sh"), "start")
		if out, err := cmd.CombinedOutput(); err != nil {
			errText = "scripts/clickhouse.sh start: " + err.Error() + ": " + strings.TrimSpace(string(out))
			return
		}
		out, err := exec.Command(filepath.Join(root, "scripts", "clickhouse.sh"), "addr").Output()
		if err != nil {
			errText = "scripts/clickhouse.sh addr: " + err.Error()
			return
		}
		addr = strings.TrimSpace(string(out))
	})
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("no ClickHouse server: %s", errText)
		}
		t.Skipf("no ClickHouse server could be installed or started (set %s=host:port to use one): %s", EnvAddr, errText)
	}
	return addr
}

// Database creates a fresh database for this test and returns the server
// address, its name and a connection to it; all are dropped at cleanup.
func Database(t testing.TB) (string, string, driver.Conn) {
	t.Helper()
	a := Addr(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "sf_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := Connect(t, a, "default")
	if err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return a, name, Connect(t, a, name)
}

// Connect opens a native connection to database on addr, closed at cleanup.
func Connect(t testing.TB, addr, database string) driver.Conn {
	t.Helper()
	conn, err := ch.Open(&ch.Options{Addr: []string{addr}, Auth: ch.Auth{Database: database, Username: "default"}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("clickhouse open: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "clickhouse.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
