// Package users is the users processor: the goka group keyed by normalised
// email that owns each account. Keying by email serializes registrations of
// one address, so exactly one of several concurrent attempts wins.
package users

import (
	"strings"
	"time"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the users processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.UsersGroup,
		stream.Input(topics.UsersGroup, topics.UserCommands, entity.Callback),
		goka.Persist(schemas.UserCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// NormalizeEmail is the users table key of an address: trimmed, lower-cased.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Refusals of the user rules.
var (
	// ErrNoKind: a command with no kind (a producer bug).
	ErrNoKind = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "user command has no kind"}
	// ErrIncomplete: a registration without a user id or password hash, or
	// with a role this version does not know (a producer bug).
	ErrIncomplete = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "registration needs a user id, a password hash and a known role"}
	// ErrEmailTaken: another account has this email.
	ErrEmailTaken = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "email", Msg: "an account with this email already exists"}
)

// Apply is the pure rule: register the user unless the email is taken. A
// repeat of the same registration (same user id) returns the account.
func Apply(u *pb.User, cmd *pb.UserCommand, now time.Time) (*pb.User, error) {
	r := cmd.GetRegister()
	if r == nil {
		return nil, ErrNoKind
	}
	if r.GetUserId() == "" || r.GetPasswordHash() == "" ||
		(r.GetRole() != pb.Role_ROLE_CUSTOMER && r.GetRole() != pb.Role_ROLE_ADMIN) {
		return nil, ErrIncomplete
	}
	if u != nil {
		if u.GetId() == r.GetUserId() {
			return u, nil
		}
		return nil, ErrEmailTaken
	}
	return &pb.User{
		Id: r.GetUserId(), Email: cmd.GetEmail(), Name: r.GetName(), Role: r.GetRole(),
		PasswordHash: r.GetPasswordHash(), CreatedAtUnixMs: now.UnixMilli(), Version: 1,
	}, nil
}

var entity = stream.Entity[*pb.UserCommand, *pb.User]{
	Key:   (*pb.UserCommand).GetEmail,
	Apply: Apply,
	Outcome: func(u *pb.User) *pb.Outcome {
		public := proto.Clone(u).(*pb.User)
		public.PasswordHash = ""
		return &pb.Outcome{Result: &pb.Outcome_User{User: public}}
	},
}
