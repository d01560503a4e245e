package api

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/time/rate"
)

// WriteLimit is the per-client rate limit on writes (POST, PUT, PATCH,
// DELETE): a token bucket per bearer token, or per client address for
// requests without one (a storefront's customers behind one address each
// have their own bucket).
type WriteLimit struct {
	// PerSecond is the sustained rate of writes per client; 0 disables the limit.
	PerSecond float64
	// Burst is how many writes a client may send at once (at least 1).
	Burst int
}

// idleLimiter is how long a client's bucket is kept after its last write.
const idleLimiter = 10 * time.Minute

// writeLimiter keeps one token bucket per client address.
type writeLimiter struct {
	limit   WriteLimit
	mu      sync.Mutex
	buckets map[string]*bucket
	pruned  time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

// take spends a token of client's bucket, or says how long to wait for one.
func (l *writeLimiter) take(client string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	if now.Sub(l.pruned) > idleLimiter {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idleLimiter {
				delete(l.buckets, k)
			}
		}
		l.pruned = now
	}
	b := l.buckets[client]
	if b == nil {
		b = &bucket{limiter: rate.NewLimiter(rate.Limit(l.limit.PerSecond), max(l.limit.Burst, 1))}
		l.buckets[client] = b
	}
	b.seen = now
	r := b.limiter.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// limitWrites answers 429 with Retry-After to a client past its write rate.
func (s *server) limitWrites(api huma.API) func(huma.Context, func(huma.Context)) {
	l := &writeLimiter{limit: s.WriteLimit}
	return func(ctx huma.Context, next func(huma.Context)) {
		if s.WriteLimit.PerSecond <= 0 || ctx.Method() == http.MethodGet || ctx.Method() == http.MethodHead {
			next(ctx)
			return
		}
		client := writeClient(ctx, s.TrustedProxies)
		wait, ok := l.take(client, time.Now())
		if !ok {
			secs := strconv.Itoa(int(math.Ceil(wait.Seconds())))
			ctx.SetHeader("Retry-After", secs)
			_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests,
				"too many writes from this client; retry after "+secs+" seconds")
			return
		}
		next(ctx)
	}
}

// writeClient names whose bucket a write spends: its bearer token's (hashed,
// not verified: a forged token is refused by auth anyway), else its address.
func writeClient(ctx huma.Context, trusted []netip.Prefix) string {
	if token := ctx.Header("Authorization"); token != "" {
		sum := sha256.Sum256([]byte(token))
		return "token:" + hex.EncodeToString(sum[:8])
	}
	return "addr:" + clientAddr(ctx.Header("X-Forwarded-For"), ctx.RemoteAddr(), trusted)
}
