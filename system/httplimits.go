package system

import (
	"fmt"
	"net/http"
	"time"

	"github.com/stockflow/stockflow/api"
)

// Built-in HTTP limits, used when a Config (built in code, not from flags)
// leaves them zero. The flags' defaults are the same.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 15 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 2 * time.Minute
	defaultMaxHeaderBytes    = 16 << 10
)

// validateHTTPLimits checks the HTTP server's limits and the write rate.
func (c Config) validateHTTPLimits() []error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.HTTPReadTimeout < 0, "--http-read-timeout must not be negative, got %s", c.HTTPReadTimeout)
	check(c.HTTPWriteTimeout < 0, "--http-write-timeout must not be negative, got %s", c.HTTPWriteTimeout)
	check(c.HTTPWriteTimeout > 0 && c.HTTPWriteTimeout <= c.WaitTimeout,
		"--http-write-timeout (%s) must exceed --wait-timeout (%s), or answers are cut off", c.HTTPWriteTimeout, c.WaitTimeout)
	check(c.HTTPIdleTimeout < 0, "--http-idle-timeout must not be negative, got %s", c.HTTPIdleTimeout)
	check(c.HTTPMaxHeaderSize != 0 && c.HTTPMaxHeaderSize < 4096, "--http-max-header-bytes must be at least 4096, got %d", c.HTTPMaxHeaderSize)
	check(c.WriteRate < 0, "--write-rate must not be negative, got %g", c.WriteRate)
	check(c.WriteRate > 0 && c.WriteBurst < 1, "--write-burst must be at least 1 when --write-rate is set, got %d", c.WriteBurst)
	return errs
}

// httpServer is the API's http.Server with the configured limits.
func (c Config) httpServer(h http.Handler) *http.Server {
	or := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	maxHeader := c.HTTPMaxHeaderSize
	if maxHeader == 0 {
		maxHeader = defaultMaxHeaderBytes
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: defaultReadHeaderTimeout,
		ReadTimeout:       or(c.HTTPReadTimeout, defaultReadTimeout),
		WriteTimeout:      or(c.HTTPWriteTimeout, max(defaultWriteTimeout, c.WaitTimeout+5*time.Second)),
		IdleTimeout:       or(c.HTTPIdleTimeout, defaultIdleTimeout),
		MaxHeaderBytes:    maxHeader,
	}
}

// writeLimit is the API's per-client write rate limit.
func (c Config) writeLimit() api.WriteLimit {
	return api.WriteLimit{PerSecond: c.WriteRate, Burst: c.WriteBurst}
}
