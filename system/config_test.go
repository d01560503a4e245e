package system_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/stockflow/stockflow/system"
)

func valid() system.Config { return system.DefaultConfig() }

// The flags' default tags and DefaultConfig must agree.
func TestDefaultConfigIsWhatTheFlagsDefaultTo(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, value, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "STOCKFLOW_") {
			t.Setenv(name, value) // restored after the test
			os.Unsetenv(name)
		}
	}
	var parsed system.Config
	parser, err := kong.New(&parsed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if want := system.DefaultConfig(); !reflect.DeepEqual(parsed, want) {
		t.Fatalf("flag defaults %+v\nDefaultConfig   %+v", parsed, want)
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
	if _, err := system.Start(t.Context(), c, system.Parts{API: true}); err == nil || !strings.Contains(err.Error(), "token-key") {
		t.Fatalf("start without a token key: %v, want a refusal naming --token-key", err)
	}
}
