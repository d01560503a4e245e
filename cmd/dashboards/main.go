// Command dashboards writes the generated Grafana analytics dashboard
// (internal/dashboards) to deploy/grafana/dashboards. Run it from the
// repository root: go run ./cmd/dashboards.
package main

import (
	"fmt"
	"os"

	"github.com/stockflow/stockflow/internal/dashboards"
)

func main() {
	out, err := dashboards.JSON()
	if err == nil {
		err = os.WriteFile(dashboards.File, out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboards:", err)
		os.Exit(1)
	}
	fmt.Println("wrote", dashboards.File)
}
