package api

import (
	"fmt"

	"github.com/danielgtaylor/huma/v2"
)

// lookup reads key from t as a PT; ok is false when the key is absent.
func lookup[PT any](t Table, key string) (v PT, ok bool, err error) {
	raw, err := t.Get(key)
	if err != nil {
		return v, false, huma.Error503ServiceUnavailable(fmt.Sprintf("table read failed for %q", key), err)
	}
	v, ok = raw.(PT)
	return v, ok, nil
}
