package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// recoverPanics answers a panic with a problem instead of a dropped
// connection. Huma's validator panics on an array of objects where
// uniqueItems applies (`"warehouse_ids":[{}]`): such items are never valid
// ids, so that is a 422; anything else is a bug, a logged 500.
func recoverPanics(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(runtime.Error); ok && strings.Contains(err.Error(), "unhashable type") {
				_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "validation failed",
					&huma.ErrorDetail{Location: "body", Message: "expected array items to be strings"})
				return
			}
			slog.ErrorContext(ctx.Context(), "panic serving a request", "panic", fmt.Sprint(v), "path", ctx.URL().Path)
			_ = huma.WriteErr(api, ctx, http.StatusInternalServerError, "internal error")
		}()
		next(ctx)
	}
}
