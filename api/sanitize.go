package api

import (
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// goTypeError matches encoding/json's type errors, which name Go types and
// struct fields: "json: cannot unmarshal number 1.0 into Go struct field
// LineInput.lines.quantity of type int64".
var goTypeError = regexp.MustCompile(`cannot unmarshal (.+) into Go (?:struct field (\S+)|value) of type (\S+)`)

// sanitizeErrors is a Huma transformer that keeps problem bodies about the
// API, not its implementation: it never echoes request bodies (they may
// hold a password) and rewrites Go decoding errors in JSON terms.
func sanitizeErrors(_ huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	for _, e := range m.Errors {
		if e == nil {
			continue
		}
		if e.Location == "body" || strings.HasPrefix(e.Location, "body.") {
			e.Value = nil
		}
		if g := goTypeError.FindStringSubmatch(e.Message); g != nil {
			e.Message = "expected " + jsonKind(g[3]) + ", got " + g[1]
			if _, path, ok := strings.Cut(g[2], "."); ok {
				e.Location = "body." + path
			}
		}
	}
	return m, nil
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "integer"
	case strings.HasPrefix(t, "float"):
		return "number"
	case t == "string":
		return "string"
	case t == "bool":
		return "boolean"
	case strings.HasPrefix(t, "[]"):
		return "array"
	}
	return "object"
}
