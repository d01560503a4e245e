package system

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// limits are the http.Server fields under test (a Server must not be copied).
type limits struct {
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                         int
}

func TestHTTPServerHasLimitsEvenWhenLeftZero(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want limits
	}{
		{"zero_uses_defaults", Config{WaitTimeout: 5 * time.Second}, limits{
			ReadTimeout: defaultReadTimeout, WriteTimeout: defaultWriteTimeout, IdleTimeout: defaultIdleTimeout, MaxHeaderBytes: defaultMaxHeaderBytes}},
		{"long_wait_stretches_the_default_write_timeout", Config{WaitTimeout: 40 * time.Second}, limits{
			ReadTimeout: defaultReadTimeout, WriteTimeout: 45 * time.Second, IdleTimeout: defaultIdleTimeout, MaxHeaderBytes: defaultMaxHeaderBytes}},
		{"flags_win", Config{HTTPReadTimeout: time.Second, HTTPWriteTimeout: 9 * time.Second, HTTPIdleTimeout: time.Minute, HTTPMaxHeaderSize: 8192}, limits{
			ReadTimeout: time.Second, WriteTimeout: 9 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 8192}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.cfg.httpServer(http.NotFoundHandler())
			if got.ReadHeaderTimeout == 0 || got.ReadTimeout != c.want.ReadTimeout || got.WriteTimeout != c.want.WriteTimeout ||
				got.IdleTimeout != c.want.IdleTimeout || got.MaxHeaderBytes != c.want.MaxHeaderBytes {
				t.Fatalf("server limits = read %s write %s idle %s header %d", got.ReadTimeout, got.WriteTimeout, got.IdleTimeout, got.MaxHeaderBytes)
			}
		})
	}
}

func TestHTTPLimitsAreValidated(t *testing.T) {
	c := Config{WaitTimeout: 5 * time.Second, HTTPWriteTimeout: 5 * time.Second, HTTPMaxHeaderSize: 100, WriteRate: 10}
	var msgs []string
	for _, err := range c.validateHTTPLimits() {
		msgs = append(msgs, err.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"--http-write-timeout", "--http-max-header-bytes", "--write-burst"} {
		if !strings.Contains(all, want) {
			t.Errorf("%q does not mention %s", all, want)
		}
	}
}
