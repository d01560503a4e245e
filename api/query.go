package api

import (
	"net/http"
	"regexp"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// emptyQuery refuses query parameters sent with an empty value ("?limit=")
// that their schema does not allow. Huma treats an empty value as absent,
// which would let "?shop_id=" bypass its pattern.
func emptyQuery(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil {
			next(ctx)
			return
		}
		u := ctx.URL()
		q := u.Query()
		for _, p := range op.Parameters {
			if p.In != "query" || p.Schema == nil {
				continue
			}
			vals, sent := q[p.Name]
			if !sent || len(vals) == 0 || vals[0] != "" {
				continue
			}
			if msg := refusesEmpty(p.Schema); msg != "" {
				_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "validation failed",
					&huma.ErrorDetail{Message: msg, Location: "query." + p.Name})
				return
			}
		}
		next(ctx)
	}
}

var patterns sync.Map // pattern string -> *regexp.Regexp

// refusesEmpty says why s does not accept an empty string ("" if it does).
func refusesEmpty(s *huma.Schema) string {
	switch s.Type {
	case huma.TypeInteger, huma.TypeNumber, huma.TypeBoolean:
		return "expected " + s.Type + ", got an empty value"
	}
	if s.MinLength != nil && *s.MinLength > 0 {
		return "expected a non-empty value"
	}
	if s.Pattern != "" {
		re, ok := patterns.Load(s.Pattern)
		if !ok {
			compiled, err := regexp.Compile(s.Pattern)
			if err != nil {
				return ""
			}
			re, _ = patterns.LoadOrStore(s.Pattern, compiled)
		}
		if !re.(*regexp.Regexp).MatchString("") {
			return "expected string to match pattern " + s.Pattern
		}
	}
	return ""
}
