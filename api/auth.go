package api

import (
	"context"
	"net/http"
	"slices"
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

// optionalAuth marks a public operation that shows more to a signed-in
// caller (admins see inactive warehouses): a token is optional.
func optionalAuth(op huma.Operation) huma.Operation {
	op.Security = []map[string][]string{{}, {bearerScheme: {}}}
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
		if !requiresToken(op) {
			// Public operations still recognise a valid token (admins see more).
			token, ok := bearerToken(ctx.Header("Authorization"))
			if p, err := s.Tokens.Verify(token); ok && err == nil {
				ctx = huma.WithValue(ctx, principalKey{}, p)
			}
			next(ctx)
			return
		}
		token, ok := bearerToken(ctx.Header("Authorization"))
		p, err := s.Tokens.Verify(token)
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

// requiresToken reports whether op refuses anonymous callers: it has a
// security requirement and none of them is the empty (anonymous) one.
func requiresToken(op *huma.Operation) bool {
	return op != nil && len(op.Security) > 0 &&
		!slices.ContainsFunc(op.Security, func(r map[string][]string) bool { return len(r) == 0 })
}

// bearerToken reads "Bearer <token>" from an Authorization header. The
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return token, true
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
