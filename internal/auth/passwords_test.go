package auth_test

import (
	"strings"
	"testing"

	"github.com/stockflow/stockflow/internal/auth"
)

func TestLongPasswordsCountInFullPastBcryptsLimit(t *testing.T) {
	// 72 characters, 216 bytes: bcrypt alone would only see the first 72 bytes.
	password := strings.Repeat("日", 71) + "a"
	if err := auth.CheckPolicy("ana@example.com", password); err != nil {
		t.Fatalf("72 characters refused: %v", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(hash, password) {
		t.Fatal("the password does not match its own hash")
	}
	if auth.CheckPassword(hash, strings.Repeat("日", 71)+"b") {
		t.Fatal("a password differing only past byte 72 matched")
	}
	if err := auth.CheckPolicy("ana@example.com", password+"x"); err == nil {
		t.Fatal("73 characters accepted")
	}
}
