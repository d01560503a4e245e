package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// DatasourceUID is the provisioned ClickHouse datasource's uid
// (deploy/grafana/provisioning/datasources/clickhouse.yml).
const DatasourceUID = "clickhouse"

// DatasourceType is the plugin id of Grafana's ClickHouse datasource.
const DatasourceType = "grafana-clickhouse-datasource"

// Datasource references the provisioned ClickHouse datasource.
func Datasource() common.DataSourceRef {
	uid, typ := DatasourceUID, DatasourceType
	return common.DataSourceRef{Uid: &uid, Type: &typ}
}

// Query formats of grafana-clickhouse-datasource (sqlutil.FormatQueryOption).
const (
	formatTimeSeries = 0
	formatTable      = 1
)

// sqlQuery is a raw-SQL query of grafana-clickhouse-datasource, which the
// SDK has no types for.
type sqlQuery struct {
	RefID      string               `json:"refId"`
	Datasource common.DataSourceRef `json:"datasource"`
	EditorType string               `json:"editorType"`
	QueryType  string               `json:"queryType"`
	Format     int                  `json:"format"`
	RawSQL     string               `json:"rawSql"`
}

// ImplementsDataqueryVariant marks sqlQuery as a panel target.
func (sqlQuery) ImplementsDataqueryVariant() {}

// DataqueryType names the datasource plugin.
func (sqlQuery) DataqueryType() string { return DatasourceType }

// Validate accepts any query (the tests run them).
func (sqlQuery) Validate() error { return nil }

// Equals compares two queries.
func (q sqlQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(sqlQuery)
	return ok && o.RefID == q.RefID && o.RawSQL == q.RawSQL && o.Format == q.Format
}

// queryBuilder is a cog.Builder for sqlQuery.
type queryBuilder struct{ q sqlQuery }

// Build returns the query.
func (b queryBuilder) Build() (variants.Dataquery, error) { return b.q, nil }

func target(p Panel) queryBuilder {
	q := sqlQuery{RefID: "A", Datasource: Datasource(), EditorType: "sql", QueryType: "timeSeries", Format: formatTimeSeries, RawSQL: p.SQL}
	if p.Kind != TimeSeries {
		q.QueryType, q.Format = "table", formatTable
	}
	return queryBuilder{q}
}
