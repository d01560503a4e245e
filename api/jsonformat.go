package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// jsonFormat is Huma's JSON format, except that a number with a zero
// fraction or an exponent ("1.0", "1e3") decodes into an integer field:
// JSON Schema counts such numbers as integers, so the document promises it.
// Fractions ("1.5") are still refused, by validation.
var jsonFormat = huma.Format{
	Marshal: huma.DefaultJSONFormat.Marshal,
	Unmarshal: func(data []byte, v any) error {
		err := json.Unmarshal(data, v)
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || !strings.HasPrefix(typeErr.Value, "number") {
			return err
		}
		normalized, ok := integralNumbers(data)
		if !ok {
			return err
		}
		return json.Unmarshal(normalized, v)
	},
}

// integralNumbers rewrites every integral number of a JSON document in
// integer notation; ok is false if nothing changed.
func integralNumbers(data []byte) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	changed := false
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case json.Number:
			if !strings.ContainsAny(string(x), ".eE") {
				return x
			}
			f, err := x.Float64()
			if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return x
			}
			changed = true
			return json.Number(strconv.FormatInt(int64(f), 10))
		}
		return v
	}
	doc = walk(doc)
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(doc)
	return out, err == nil
}
