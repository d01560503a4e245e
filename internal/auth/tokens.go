package auth

import (
	"errors"
	"fmt"
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
}

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
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(t.Now))
	if err != nil || c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return Principal{UserID: c.Subject, Email: c.Email, Admin: c.Role == "admin"}, nil
}
