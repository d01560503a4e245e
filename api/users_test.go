package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// answerRegistrations makes the fake bus register every user it is sent.
func answerRegistrations(f *fixture) {
	f.bus.respond = func(_ goka.Stream, _ string, msg proto.Message) *pb.Outcome {
		cmd, ok := msg.(*pb.UserCommand)
		if !ok {
			return nil
		}
		u := &pb.User{Id: cmd.GetRegister().GetUserId(), Email: cmd.GetEmail(), Role: pb.Role_ROLE_CUSTOMER, Version: 1}
		f.tables["users"].put(cmd.GetEmail(), u)
		return &pb.Outcome{CorrelationId: cmd.GetCorrelationId(), Result: &pb.Outcome_User{User: u}}
	}
}

func TestPasswordLengthIsCountedInCharactersLikeTheSchema(t *testing.T) {
	f := newFixture(t)
	answerRegistrations(f)
	schema := f.api.OpenAPI().Components.Schemas.Map()["RegisterInputBody"].Properties["password"]
	if schema.MaxLength == nil || *schema.MaxLength != 72 {
		t.Fatalf("password maxLength = %v, want 72", schema.MaxLength)
	}
	cases := []struct {
		name     string
		password string
		status   int
	}{
		{"72_ascii_characters", strings.Repeat("a", 72), http.StatusCreated},
		// 72 characters of 4 bytes each: 288 bytes, past bcrypt's 72.
		{"72_four_byte_characters", strings.Repeat("😀", 72), http.StatusCreated},
		{"73_characters", strings.Repeat("a", 73), http.StatusUnprocessableEntity},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			email := "user" + string(rune('a'+i)) + "@example.com"
			resp := f.do(http.MethodPost, "/register", map[string]any{"email": email, "password": c.password})
			if resp.StatusCode != c.status {
				t.Fatalf("register with %s = %d, want %d", c.name, resp.StatusCode, c.status)
			}
		})
	}
}
