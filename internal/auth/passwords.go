package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password policy limits.
const (
	MinPasswordLen = 8
	// MaxPasswordLen is the most characters a password may have; the
	// OpenAPI maxLength says the same (JSON Schema counts characters).
	MaxPasswordLen = 72
	// maxBcryptBytes is bcrypt's input limit; longer input is pre-hashed.
	maxBcryptBytes = 72
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
// characters, or equal to the email.
func CheckPolicy(email, password string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: use at most %d characters", ErrWeakPassword, MaxPasswordLen)
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return fmt.Errorf("%w: it must differ from the email", ErrWeakPassword)
	}
	return nil
}

// HashPassword returns the bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword(bcryptInput(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. An empty hash (no
// such user) is compared against a dummy hash to take the same time.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, bcryptInput(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), bcryptInput(password)) == nil
}

// bcryptInput is the password itself when it fits bcrypt's 72 bytes, else
// its SHA-256 in base64 (44 bytes), so that 72 characters of any script
// count in full and nothing is cut. Passwords that fit hash as before.
func bcryptInput(password string) []byte {
	if len(password) <= maxBcryptBytes {
		return []byte(password)
	}
	sum := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}
