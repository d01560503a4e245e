package users_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/users"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func registerUser(email, id string, role pb.Role, hash string) *pb.UserCommand {
	return &pb.UserCommand{Email: email, CorrelationId: id, Kind: &pb.UserCommand_Register{Register: &pb.RegisterUser{UserId: id, Role: role, PasswordHash: hash}}}
}

func TestPoisonUserCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.UserCommands
	customer := pb.Role_ROLE_CUSTOMER
	poison := func(name, key string, cmd *pb.UserCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	email := func(i int) string { return "good" + strconv.Itoa(i) + "@example.com" }
	gokatest.PoisonSuite{
		Group: topics.UsersGroup, Graph: users.Graph(), Table: topics.UsersTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "ana@example.com", Value: []byte{0x12, 0x05, 'a'}},
			poison("a_command_without_kind", "ana@example.com", &pb.UserCommand{Email: "ana@example.com", CorrelationId: "c1"}),
			poison("an_unknown_role", "ana@example.com", registerUser("ana@example.com", "u1", pb.Role(7), "hash")),
			poison("an_unspecified_role", "ana@example.com", registerUser("ana@example.com", "u1", pb.Role_ROLE_UNSPECIFIED, "hash")),
			poison("a_registration_without_a_user_id", "ana@example.com", registerUser("ana@example.com", "", customer, "hash")),
			poison("a_registration_without_a_password_hash", "ana@example.com", registerUser("ana@example.com", "u1", customer, "")),
			poison("a_command_on_another_emails_key", "ana@example.com", registerUser("bob@example.com", "u2", customer, "hash")),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, email(i), registerUser(email(i), "u-"+strconv.Itoa(i), customer, "hash"))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if u, _ := gkt.TableValue(topics.UsersTable, email(i)).(*pb.User); u.GetId() != "u-"+strconv.Itoa(i) {
				t.Errorf("the next command was not applied: %v", u)
			}
		},
	}.Run(t)
}
