package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/internal/auth"
)

// bearerScheme names the OpenAPI security scheme of protected operations.
const bearerScheme = "bearer"

// roleKey is the operation metadata key holding the role an operation needs.
const roleKey = "role"

type principalKey struct{}

// callerOf returns the authenticated caller of a protected operation.
func callerOf(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// signedIn marks an operation as needing any valid token.
func signedIn(op huma.Operation) huma.Operation {
	op.Security = []map[string][]string{{bearerScheme: {}}}
	op.Errors = append(op.Errors, http.StatusUnauthorized)
	return op
}

// adminOnly marks an operation as needing an admin token.
func adminOnly(op huma.Operation) huma.Operation {
	op = signedIn(op)
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[roleKey] = "admin"
	op.Errors = append(op.Errors, http.StatusForbidden)
	op.Description = strings.TrimSpace(op.Description + " Requires the admin role.")
	return op
}

// authenticate verifies the bearer token of protected operations and puts
// the caller in the context; it answers 401 or 403 itself.
func (s *server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || len(op.Security) == 0 {
			// Public operations still recognise a valid token (admins see more).
			token, _ := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
			if p, err := s.Tokens.Verify(strings.TrimSpace(token)); token != "" && err == nil {
				ctx = huma.WithValue(ctx, principalKey{}, p)
			}
			next(ctx)
			return
		}
		token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		p, err := s.Tokens.Verify(strings.TrimSpace(token))
		if !ok || err != nil {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="stockflow"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "a valid bearer token is required: log in with POST /login")
			return
		}
		if op.Metadata[roleKey] == "admin" && !p.Admin {
			_ = huma.WriteErr(api, ctx, http.StatusForbidden, "this operation requires the admin role")
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// addSecurityScheme documents bearer tokens in the OpenAPI document, so
// /docs can authorise requests.
func addSecurityScheme(cfg *huma.Config) {
	if cfg.Components == nil {
		cfg.Components = &huma.Components{}
	}
	if cfg.Components.SecuritySchemes == nil {
		cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{}
	}
	cfg.Components.SecuritySchemes[bearerScheme] = &huma.SecurityScheme{
		Type: "http", Scheme: "bearer", BearerFormat: "JWT",
		Description: "Access token from POST /login.",
	}
}
