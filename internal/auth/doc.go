// Package auth issues and verifies access tokens (JWT, HS256), hashes and
// checks passwords (bcrypt), and throttles repeated login failures.
package auth
