package users_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/users"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestApply(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	register := func(id string) *pb.UserCommand {
		return &pb.UserCommand{Email: "ana@example.com", Kind: &pb.UserCommand_Register{Register: &pb.RegisterUser{UserId: id, Role: pb.Role_ROLE_CUSTOMER, PasswordHash: "$2a$10$hash"}}}
	}
	ana := &pb.User{Id: "u1", Email: "ana@example.com", Version: 1}
	cases := []struct {
		name   string
		before *pb.User
		cmd    *pb.UserCommand
		err    error
	}{
		{"a_new_email_registers", nil, register("u1"), nil},
		{"the_same_registration_again_returns_the_account", ana, register("u1"), nil},
		{"another_registration_of_a_taken_email_is_refused", ana, register("u2"), users.ErrEmailTaken},
		{"a_command_without_kind_is_refused", nil, &pb.UserCommand{Email: "ana@example.com"}, users.ErrNoKind},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u, err := users.Apply(c.before, c.cmd, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && u.GetId() != "u1" {
				t.Fatalf("user %v, want u1", u)
			}
		})
	}
}
