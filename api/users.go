package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/processors/users"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// User is an account as the API shows it (never with its password).
type User struct {
	ID    string `json:"id"`
	Email string `json:"email" format:"email"`
	Name  string `json:"name,omitempty"`
	Role  string `json:"role" enum:"customer,admin"`
}

type registerInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's account; reused with another email or name, 422. The password is not compared."`
	Body           struct {
		Email    string `json:"email" format:"email" maxLength:"254" example:"ana@example.com"`
		Password string `json:"password" minLength:"8" maxLength:"72" doc:"At least 8 and at most 72 characters, not the email."`
		Name     string `json:"name,omitempty" maxLength:"200" example:"Ana"`
	}
}

type userOutput struct {
	Body User
}

type loginInput struct {
	Forwarded string `header:"X-Forwarded-For" doc:"Client address; honoured only from proxies in --trusted-proxies."`
	Body      struct {
		Email    string `json:"email" maxLength:"254" example:"ana@example.com"`
		Password string `json:"password" maxLength:"200"`
	}
	remoteAddr string
}

// Resolve captures the client address for throttling.
func (in *loginInput) Resolve(ctx huma.Context) []error {
	in.remoteAddr = ctx.RemoteAddr()
	return nil
}

type loginOutput struct {
	Body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type" example:"Bearer"`
		ExpiresIn   int64  `json:"expires_in" doc:"Seconds until the token expires."`
	}
}

func (s *server) registerUsers(api huma.API) {
	huma.Register(api, command(huma.Operation{
		OperationID: "register", Method: http.MethodPost, Path: "/register",
		Summary: "Create a customer account", Tags: []string{"Accounts"}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: smallBody, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}), s.register)
	huma.Register(api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/login",
		Summary: "Exchange email and password for an access token", Tags: []string{"Accounts"},
		MaxBodyBytes: smallBody, Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests},
	}, s.login)
}

func (s *server) register(ctx context.Context, in *registerInput) (*userOutput, error) {
	email := users.NormalizeEmail(in.Body.Email)
	if err := auth.CheckPolicy(email, in.Body.Password); err != nil {
		return nil, fieldError(http.StatusUnprocessableEntity, err.Error(), "body.password", nil)
	}
	name := strings.TrimSpace(in.Body.Name)
	// The password is left out of the key's request hash: a fast hash of
	// it would sit in a Kafka table.
	if err := s.claimKey(ctx, "register", in.IdempotencyKey, email, name); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Body.Password)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	// The id is scoped by the email: one Idempotency-Key sent for two
	// emails must never give two accounts the same id.
	u, err := s.createUser(ctx, email, newID("register/"+email, in.IdempotencyKey), name, pb.Role_ROLE_CUSTOMER, hash)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: userBody(u)}, nil
}

// createUser produces a registration and waits for the users processor.
func (s *server) createUser(ctx context.Context, email, id, name string, role pb.Role, hash string) (*pb.User, error) {
	cid := newID("", "")
	cmd := &pb.UserCommand{
		CommandId: cid, Email: email, CorrelationId: cid, IssuedAtUnixMs: nowMs(),
		Kind: &pb.UserCommand_Register{Register: &pb.RegisterUser{UserId: id, Name: name, Role: role, PasswordHash: hash}},
	}
	return apply(ctx, s, write{
		topic: topics.UserCommands, key: email, correlationID: cid, cmd: cmd,
		view: s.Views.Users, viewKey: email, location: "/login",
	}, (*pb.Outcome).GetUser)
}

func (s *server) login(_ context.Context, in *loginInput) (*loginOutput, error) {
	email := users.NormalizeEmail(in.Body.Email)
	client := clientAddr(in.Forwarded, in.remoteAddr, s.TrustedProxies)
	now := time.Now()
	// Attempts count before the password check, so parallel guesses
	// cannot exceed the limit; a success gives its attempts back.
	wait, ok := s.EmailThrottle.Take(email, now)
	if !ok {
		return nil, tooManyAttempts(wait)
	}
	if wait, ok = s.ClientThrottle.Take(client, now); !ok {
		s.EmailThrottle.Refund(email, now)
		return nil, tooManyAttempts(wait)
	}
	u, _, err := lookup[*pb.User](s.Views.Users, email)
	if err != nil {
		return nil, err
	}
	if !auth.CheckPassword(u.GetPasswordHash(), in.Body.Password) {
		return nil, huma.Error401Unauthorized("email or password is wrong")
	}
	s.EmailThrottle.Reset(email)
	s.ClientThrottle.Refund(client, now)
	token, err := s.Tokens.Issue(auth.Principal{UserID: u.GetId(), Email: u.GetEmail(), Admin: u.GetRole() == pb.Role_ROLE_ADMIN})
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	out := &loginOutput{}
	out.Body.AccessToken, out.Body.TokenType, out.Body.ExpiresIn = token, "Bearer", int64(s.Tokens.TTL().Seconds())
	return out, nil
}

func tooManyAttempts(wait time.Duration) error {
	secs := strconv.Itoa(int(wait.Seconds()) + 1)
	return huma.ErrorWithHeaders(
		huma.Error429TooManyRequests("too many failed logins; retry after "+secs+" seconds"),
		http.Header{"Retry-After": []string{secs}})
}

// clientAddr is the peer's IP or, when the peer is a trusted proxy, the
// first X-Forwarded-For entry. Anybody else's X-Forwarded-For is ignored:
// it would let a client pick a fresh address for every guess.
func clientAddr(forwarded, remote string, trusted []netip.Prefix) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(ip.Unmap()) }) {
		return host
	}
	if first, _, _ := strings.Cut(forwarded, ","); strings.TrimSpace(first) != "" {
		return strings.TrimSpace(first)
	}
	return host
}

// adminNamespace derives the bootstrap admin's id from its email.
var adminNamespace = uuid.MustParse("9e3c1f0a-2b7d-4c55-8f1e-6a4d2c9b7e10")

// EnsureAdmin makes sure an admin account exists for email, creating it
// with password if the email is free. An existing account is left as it is
// (its password is not changed); an existing customer account is an error.
func EnsureAdmin(ctx context.Context, d Deps, email, password string) error {
	s := &server{Deps: d}
	email = users.NormalizeEmail(email)
	if err := auth.CheckPolicy(email, password); err != nil {
		return fmt.Errorf("admin password: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	id := uuid.NewSHA1(adminNamespace, []byte(email)).String()
	_, err = s.createUser(ctx, email, id, "Administrator", pb.Role_ROLE_ADMIN, hash)
	for errors.Is(err, errPending) && ctx.Err() == nil {
		_, err = s.createUser(ctx, email, id, "Administrator", pb.Role_ROLE_ADMIN, hash)
	}
	var se huma.StatusError
	if errors.As(err, &se) && se.GetStatus() == http.StatusConflict {
		if u, ok, _ := lookup[*pb.User](d.Views.Users, email); ok && u.GetRole() == pb.Role_ROLE_ADMIN {
			return nil
		}
		return fmt.Errorf("%s is registered as a customer; choose another admin email", email)
	}
	return err
}

func userBody(u *pb.User) User {
	role := "customer"
	if u.GetRole() == pb.Role_ROLE_ADMIN {
		role = "admin"
	}
	return User{ID: u.GetId(), Email: u.GetEmail(), Name: u.GetName(), Role: role}
}
