package auth

import (
	"sync"
	"time"
)

// Throttle counts failures per key (an email, a client address) in a
// sliding window and blocks a key that failed limit times. It is per
// process: behind a load balancer each API instance throttles on its own.
type Throttle struct {
	limit  int
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time
}

// pruneAbove is the number of keys above which expired ones are dropped.
const pruneAbove = 10_000

// NewThrottle blocks a key after limit failures within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, failures: map[string][]time.Time{}}
}

// RetryAfter reports how long key stays blocked (0: not blocked).
func (t *Throttle) RetryAfter(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key, now)
	if len(recent) < t.limit {
		return 0
	}
	return recent[len(recent)-t.limit].Add(t.window).Sub(now)
}

// Fail records a failure for key.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[key] = append(t.recent(key, now), now)
	if len(t.failures) > pruneAbove {
		for k := range t.failures {
			t.recent(k, now)
		}
	}
}

// Reset forgets key's failures (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// recent drops failures older than the window; the caller holds mu.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	fs := t.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = fs
	return fs
}
