package auth_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stockflow/stockflow/internal/auth"
)

var key = []byte(strings.Repeat("k", auth.MinKeyBytes))

func TestTokensRoundTripAndRejectTampering(t *testing.T) {
	t.Parallel()
	tokens, err := auth.NewTokens(key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(auth.Principal{UserID: "u1", Email: "a@b.c", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tokens.Verify(tok)
	if err != nil || p.UserID != "u1" || !p.Admin || p.Email != "a@b.c" {
		t.Fatalf("verify = %+v, %v", p, err)
	}
	other, _ := auth.NewTokens([]byte(strings.Repeat("x", auth.MinKeyBytes)), time.Hour)
	forged, _ := other.Issue(auth.Principal{UserID: "u1", Admin: true})
	for name, bad := range map[string]string{
		"tampered payload": tok[:len(tok)-5] + "AAAAA",
		"other key":        forged,
		"garbage":          "not-a-token",
		"empty":            "",
		"alg none":         "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsInJvbGUiOiJhZG1pbiJ9.",
	} {
		if _, err := tokens.Verify(bad); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: verify error %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestExpiredTokensAreRejected(t *testing.T) {
	t.Parallel()
	tokens, _ := auth.NewTokens(key, time.Minute)
	tokens.Now = func() time.Time { return time.Now().Add(-2 * time.Minute) }
	tok, _ := tokens.Issue(auth.Principal{UserID: "u1"})
	tokens.Now = time.Now
	if _, err := tokens.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired token: %v, want ErrInvalidToken", err)
	}
}

func TestShortKeysAreRefused(t *testing.T) {
	t.Parallel()
	if _, err := auth.NewTokens([]byte("short"), time.Hour); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, email, password string
		ok                    bool
	}{
		{"long_enough", "a@b.c", "correct horse", true},
		{"too_short", "a@b.c", "short", false},
		{"equal_to_email", "Someone@Example.com", "someone@example.com", false},
		{"over_72_bytes", "a@b.c", strings.Repeat("p", 73), false},
	}
	for _, c := range cases {
		if err := auth.CheckPolicy(c.email, c.password); (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestPasswordsHashAndCheck(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "correct horse") || auth.CheckPassword(h, "wrong horse") || auth.CheckPassword("", "correct horse") {
		t.Fatal("password check gave a wrong answer")
	}
}

func TestThrottleBlocksAfterTheLimitUntilTheWindowPasses(t *testing.T) {
	t.Parallel()
	th := auth.NewThrottle(3, time.Minute)
	now := time.Now()
	for i := range 3 {
		if _, ok := th.Take("k", now.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("blocked after %d attempts", i)
		}
	}
	if d, ok := th.Take("k", now.Add(3*time.Second)); ok || d <= 0 || d > time.Minute {
		t.Fatalf("fourth attempt: ok=%v retry after %s, want a block under a minute", ok, d)
	}
	if _, ok := th.Take("k", now.Add(61*time.Second)); !ok {
		t.Fatal("still blocked after the window")
	}
	if _, ok := th.Take("other", now); !ok {
		t.Fatal("an unrelated key is blocked")
	}
}

func TestThrottleRefundsSuccessfulAttempts(t *testing.T) {
	t.Parallel()
	th := auth.NewThrottle(2, time.Minute)
	now := time.Now()
	for i := range 10 {
		at := now.Add(time.Duration(i) * time.Millisecond)
		if _, ok := th.Take("k", at); !ok {
			t.Fatalf("attempt %d blocked although every earlier one was refunded", i)
		}
		th.Refund("k", at)
	}
}

func TestThrottleHoldsUnderParallelAttempts(t *testing.T) {
	t.Parallel()
	th := auth.NewThrottle(5, time.Minute)
	var wg sync.WaitGroup
	var allowed atomic.Int64
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := th.Take("k", time.Now()); ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 5 {
		t.Fatalf("%d of 40 parallel attempts allowed, want 5", allowed.Load())
	}
}

func TestAVerifiedTokenStillExpires(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tokens, _ := auth.NewTokens(key, time.Minute)
	tokens.Now = func() time.Time { return now }
	tok, _ := tokens.Issue(auth.Principal{UserID: "u1", Admin: true})
	for range 2 { // the second answer comes from the cache
		if p, err := tokens.Verify(tok); err != nil || p.UserID != "u1" || !p.Admin {
			t.Fatalf("fresh token: %+v, %v", p, err)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := tokens.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired cached token: %v, want ErrInvalidToken", err)
	}
	// A verified token altered in its signature is not taken from the cache.
	now = now.Add(-2 * time.Minute)
	sig := strings.LastIndexByte(tok, '.') + 1
	flipped := byte('A')
	if tok[sig] == 'A' {
		flipped = 'B'
	}
	if _, err := tokens.Verify(tok[:sig] + string(flipped) + tok[sig+1:]); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("altered token: %v, want ErrInvalidToken", err)
	}
}
