package auth_test

import (
	"errors"
	"strings"
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
		if d := th.RetryAfter("k", now); d != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		th.Fail("k", now.Add(time.Duration(i)*time.Second))
	}
	if d := th.RetryAfter("k", now.Add(3*time.Second)); d <= 0 || d > time.Minute {
		t.Fatalf("retry after %s, want a block under a minute", d)
	}
	if d := th.RetryAfter("k", now.Add(61*time.Second)); d != 0 {
		t.Fatalf("still blocked after the window: %s", d)
	}
	th.Fail("k", now)
	th.Reset("k")
	if d := th.RetryAfter("other", now); d != 0 {
		t.Fatal("an unrelated key is blocked")
	}
}
