package auth

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Password policy limits.
const (
	MinPasswordLen = 8
	// MaxPasswordBytes is bcrypt's limit; longer input would be silently cut.
	MaxPasswordBytes = 72
)

// ErrWeakPassword is returned by CheckPolicy.
var ErrWeakPassword = errors.New("password does not meet the policy")

// bcryptCost balances login latency (60 ms per check on the 2-core
// development machine) against offline guessing.
const bcryptCost = 10

// dummyHash is compared against when an email is unknown, so that a login
// for an unknown email takes as long as one with a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("stockflow-no-such-user"), bcryptCost)

// CheckPolicy rejects passwords shorter than 8 characters, longer than 72
// bytes, or equal to the email.
func CheckPolicy(email, password string) error {
	switch {
	case len([]rune(password)) < MinPasswordLen:
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLen)
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("%w: use at most %d bytes", ErrWeakPassword, MaxPasswordBytes)
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return fmt.Errorf("%w: it must differ from the email", ErrWeakPassword)
	}
	return nil
}

// HashPassword returns the bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. An empty hash (no
// such user) is compared against a dummy hash to take the same time.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
