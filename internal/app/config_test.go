package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stockflow/stockflow/internal/app"
)

func valid() app.Config {
	return app.Config{
		DataDir: "./data", HTTPAddr: ":8080", Partitions: 6, Replication: 1,
		WaitTimeout: 5 * time.Second, ReservationTTL: 30 * time.Minute, ShutdownTimeout: 30 * time.Second,
		TokenTTL: time.Hour, LogFormat: "text", LogLevel: "info",
	}
}

func TestValidateAcceptsTheDefaults(t *testing.T) {
	t.Parallel()
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	c := valid()
	c.Partitions = 0
	c.WaitTimeout = 0
	c.TokenKey = "short"
	c.AdminEmail = "admin@example.com"
	err := c.Validate()
	if err == nil {
		t.Fatal("an invalid config was accepted")
	}
	for _, want := range []string{"--partitions", "--wait-timeout", "--token-key", "--admin-password"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestStartRefusesAnAPIWithoutASigningKeyOutsideDev(t *testing.T) {
	t.Parallel()
	c := valid()
	c.DataDir = t.TempDir()
	c.Brokers = []string{"127.0.0.1:1"}
	if _, err := app.Start(t.Context(), c, app.Parts{API: true}); err == nil || !strings.Contains(err.Error(), "token-key") {
		t.Fatalf("start without a token key: %v, want a refusal naming --token-key", err)
	}
}
