package api

import (
	"encoding/base64"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// PageParams are the query parameters of every list.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page (at most 500)."`
	Cursor string `query:"cursor" maxLength:"400" pattern:"^[A-Za-z0-9_-]*$" doc:"Opaque cursor from a previous page's next_cursor."`
}

// Page is a list response body.
type Page[T any] struct {
	Items      []T    `json:"items" nullable:"false"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// keysEnd bounds a scan to the end of a table: ids use only [A-Za-z0-9_-],
// all below it. (goka reads an empty limit as "keys with the prefix start".)
const keysEnd = "\x7f"

// page lists t in key order from the cursor, converting values with conv
// (which may skip a value by returning false).
func page[PT any, R any](t Table, p PageParams, conv func(PT) (R, bool)) (Page[R], error) {
	start, err := decodeCursor(p.Cursor)
	if err != nil {
		return Page[R]{}, err
	}
	it, err := t.IteratorWithRange(start, keysEnd)
	if err != nil {
		return Page[R]{}, huma.Error503ServiceUnavailable("table scan failed", err)
	}
	defer it.Release()
	out := Page[R]{Items: []R{}}
	for it.Next() {
		if len(out.Items) == p.Limit {
			out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(it.Key()))
			break
		}
		raw, err := it.Value()
		if err != nil {
			return Page[R]{}, huma.Error503ServiceUnavailable("table scan failed", err)
		}
		if v, ok := raw.(PT); ok {
			if r, keep := conv(v); keep {
				out.Items = append(out.Items, r)
			}
		}
	}
	return out, nil
}

// decodeCursor reads a cursor: unpadded base64url. Any string its pattern
// admits decodes (a dangling last character is ignored); a forged cursor
// only starts the page elsewhere, as callers see only what they may.
func decodeCursor(c string) (string, error) {
	if len(c)%4 == 1 {
		c = c[:len(c)-1]
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", fieldError(http.StatusUnprocessableEntity, "cursor is not one this API issued", "query.cursor", c)
	}
	return string(b), nil
}
