package dashboards

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var timeFilter = regexp.MustCompile(`\$__timeFilter\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)`)

// Expand replaces the Grafana macros the panels use exactly as
// grafana-clickhouse-datasource v4 does (its pkg/macros) for a time range:
// $__timeFilter(col) → col >= toDateTime(from) AND col <= toDateTime(to),
// $__fromTime → toDateTime(from), $__toTime → toDateTime(to) (Unix seconds).
func Expand(sql string, from, to time.Time) string {
	f, t := fmt.Sprintf("toDateTime(%d)", from.Unix()), fmt.Sprintf("toDateTime(%d)", to.Unix())
	sql = timeFilter.ReplaceAllString(sql, "$1 >= "+f+" AND $1 <= "+t)
	return strings.NewReplacer("$__fromTime", f, "$__toTime", t).Replace(sql)
}
