package auth

import (
	"slices"
	"sync"
	"time"
)

// Throttle counts login attempts per key (an email, a client address) in a
// sliding window and blocks a key that made limit attempts. An attempt is
// counted before the password is checked, so parallel guesses cannot slip
// past the limit; a successful login gives its attempt back. It is per
// process: behind a load balancer each API instance throttles on its own.
type Throttle struct {
	limit  int
	window time.Duration

	mu        sync.Mutex
	attempts  map[string][]time.Time
	lastPrune time.Time
}

// pruneAbove is the number of keys above which expired ones are dropped,
// at most once a minute.
const pruneAbove = 10_000

// NewThrottle blocks a key after limit attempts within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, attempts: map[string][]time.Time{}}
}

// Take counts an attempt for key at now. When key is blocked it counts
// nothing and returns how long to wait.
func (t *Throttle) Take(key string, now time.Time) (retryAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune(now)
	recent := t.recent(key, now)
	if len(recent) >= t.limit {
		return recent[len(recent)-t.limit].Add(t.window).Sub(now), false
	}
	t.attempts[key] = append(recent, now)
	return 0, true
}

// Refund gives back the attempt taken at the given time.
func (t *Throttle) Refund(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := slices.Index(t.attempts[key], at); i >= 0 {
		t.attempts[key] = slices.Delete(t.attempts[key], i, i+1)
	}
}

// Reset forgets key's attempts (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.attempts, key)
}

// prune drops expired keys when the map is large; the caller holds mu.
func (t *Throttle) prune(now time.Time) {
	if len(t.attempts) <= pruneAbove || now.Sub(t.lastPrune) < time.Minute {
		return
	}
	t.lastPrune = now
	for k := range t.attempts {
		t.recent(k, now)
	}
}

// recent drops attempts older than the window; the caller holds mu.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	as := t.attempts[key]
	i := 0
	for i < len(as) && now.Sub(as[i]) >= t.window {
		i++
	}
	as = as[i:]
	if len(as) == 0 {
		delete(t.attempts, key)
		return nil
	}
	t.attempts[key] = as
	return as
}
