package dashboards_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stockflow/stockflow/internal/dashboards"
)

func TestCommittedDashboardIsGenerated(t *testing.T) {
	t.Parallel()
	want, err := dashboards.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../" + dashboards.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go run ./cmd/dashboards", dashboards.File)
	}
}

func TestEveryPanelQueriesTheClickHouseDatasource(t *testing.T) {
	t.Parallel()
	raw, err := dashboards.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Datasource struct{ UID string } `json:"datasource"`
				RawSQL     string               `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Panels) != len(dashboards.Panels()) {
		t.Fatalf("%d panels, want %d", len(d.Panels), len(dashboards.Panels()))
	}
	prov, err := os.ReadFile("../../deploy/grafana/provisioning/datasources/clickhouse.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prov), "uid: "+dashboards.DatasourceUID) || !strings.Contains(string(prov), "type: "+dashboards.DatasourceType) {
		t.Fatalf("clickhouse.yml does not provision uid %s of type %s", dashboards.DatasourceUID, dashboards.DatasourceType)
	}
	for i, p := range d.Panels {
		if len(p.Targets) != 1 || p.Targets[0].Datasource.UID != dashboards.DatasourceUID || p.Targets[0].RawSQL != dashboards.Panels()[i].SQL {
			t.Errorf("panel %q: targets %+v", p.Title, p.Targets)
		}
	}
}

func TestExpandReplacesTheMacros(t *testing.T) {
	t.Parallel()
	got := dashboards.Expand("WHERE $__timeFilter(at) AND x <= $__toTime OR y >= $__fromTime", from, to)
	want := "WHERE at >= toDateTime(1767319200) AND at <= toDateTime(1767330000) AND x <= toDateTime(1767330000) OR y >= toDateTime(1767319200)"
	if got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
}
