package system_test

import (
	"strings"
	"testing"

	"github.com/stockflow/stockflow/system"
)

func TestValidateRejectsNegativeSinkSettings(t *testing.T) {
	t.Parallel()
	c := valid()
	c.ClickHouseBatchSize = -1
	c.ClickHouseFlushInterval = -1
	err := c.Validate()
	for _, want := range []string{"--clickhouse-batch-size", "--clickhouse-flush-interval"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestStartRefusesASinkWithoutAClickHouseAddress(t *testing.T) {
	t.Parallel()
	c := valid()
	c.DataDir = t.TempDir()
	c.Brokers = []string{"127.0.0.1:1"}
	if _, err := system.Start(t.Context(), c, system.Parts{Sink: true}); err == nil || !strings.Contains(err.Error(), "clickhouse-addr") {
		t.Fatalf("start a sink without an address: %v, want a refusal naming --clickhouse-addr", err)
	}
}
