package api

import "context"

// principal is who is calling.
type principal struct {
	UserID string
	Admin  bool
}

// callerOf returns the authenticated caller. Until authentication is wired
// every caller is the anonymous administrator.
func callerOf(context.Context) principal {
	return principal{UserID: "anonymous", Admin: true}
}
