// Command openapi prints the API's OpenAPI 3.1 document, the one the server
// serves at /openapi.json; `make openapi` writes it to docs/openapi.json.
package main

import (
	"fmt"
	"os"

	"github.com/stockflow/stockflow/api"
)

func main() {
	doc, err := api.Document()
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(doc); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}
