package auth

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MinKeyBytes is the shortest signing key accepted (HS256 wants >= 256 bits).
const MinKeyBytes = 32

// issuer is the "iss" claim of every token.
const issuer = "stockflow"

// ErrInvalidToken means a token is missing, malformed, tampered with,
// signed with another key or expired. Callers answer 401 without saying which.
var ErrInvalidToken = errors.New("invalid or expired token")

// Principal is an authenticated caller.
type Principal struct {
	UserID string
	Email  string
	Admin  bool
}

type claims struct {
	Email string `json:"email"`
	Role  string `json:"role"`
	jwt.RegisteredClaims
}

// Tokens signs and verifies access tokens.
type Tokens struct {
	key []byte
	ttl time.Duration
	// Now is the clock (time.Now by default); tests move it.
	Now func() time.Time

	// verified caches tokens whose signature and claims were checked, by
	// their exact text (a token altered in any byte is another key), so a
	// client's every request does not parse JSON and compute an HMAC
	// again. Expiry is still checked on every use.
	mu       sync.RWMutex
	verified map[string]verifiedToken
}

type verifiedToken struct {
	p         Principal
	notBefore time.Time // zero: none
	expires   time.Time
}

// maxVerified bounds the cache; when full it starts over.
const maxVerified = 10_000

// NewTokens returns Tokens signing with key; tokens live for ttl.
func NewTokens(key []byte, ttl time.Duration) (*Tokens, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("token signing key has %d bytes, need at least %d", len(key), MinKeyBytes)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("token lifetime must be positive, got %s", ttl)
	}
	return &Tokens{key: key, ttl: ttl, Now: time.Now}, nil
}

// TTL is how long issued tokens stay valid.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token for the principal.
func (t *Tokens) Issue(p Principal) (string, error) {
	now := t.Now()
	role := "customer"
	if p.Admin {
		role = "admin"
	}
	c := claims{Email: p.Email, Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: p.UserID,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks a token's signature, issuer and expiry.
func (t *Tokens) Verify(token string) (Principal, error) {
	t.mu.RLock()
	v, ok := t.verified[token]
	t.mu.RUnlock()
	if ok {
		now := t.Now()
		if now.Before(v.expires) && (v.notBefore.IsZero() || !now.Before(v.notBefore)) {
			return v.p, nil
		}
	}
	p, c, err := t.verify(token)
	if err != nil {
		return Principal{}, err
	}
	v = verifiedToken{p: p, expires: c.ExpiresAt.Time}
	if c.NotBefore != nil {
		v.notBefore = c.NotBefore.Time
	}
	t.mu.Lock()
	if t.verified == nil || len(t.verified) >= maxVerified {
		t.verified = make(map[string]verifiedToken)
	}
	t.verified[token] = v
	t.mu.Unlock()
	return p, nil
}

// verify parses and checks a token.
func (t *Tokens) verify(token string) (Principal, *claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(t.Now))
	if err != nil || c.Subject == "" {
		return Principal{}, nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return Principal{UserID: c.Subject, Email: c.Email, Admin: c.Role == "admin"}, &c, nil
}
