package stream_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stockflow/stockflow/internal/stream"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestProblemOf(t *testing.T) {
	t.Parallel()
	taken := &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "email", Msg: "email taken"}
	cases := []struct {
		name string
		err  error
		want *pb.Problem
	}{
		{"a_refusal_keeps_its_code_and_field", taken, &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "email", Detail: "email taken"}},
		{"a_wrapped_refusal_is_found_and_its_context_kept", fmt.Errorf("user u1: %w", taken), &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "email", Detail: "user u1: email taken"}},
		{"any_other_error_is_an_invalid_command", errors.New("no kind"), &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_INVALID, Detail: "no kind"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stream.ProblemOf(c.err)
			if got.GetCode() != c.want.GetCode() || got.GetField() != c.want.GetField() || got.GetDetail() != c.want.GetDetail() {
				t.Errorf("ProblemOf = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPoison(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"no_error_is_not_poison", nil, false},
		{"an_invalid_command_is_poison", &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "no kind"}, true},
		{"a_command_for_an_unknown_entity_is_poison", fmt.Errorf("shop s9 %w", &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Msg: "not found"}), true},
		{"a_conflict_is_a_business_outcome", &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Msg: "taken"}, false},
		{"any_other_error_is_poison", errors.New("broken"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := stream.Poison(c.err); got != c.want {
				t.Errorf("Poison(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestErrorsOfPoisonMessagesAreInapplicable(t *testing.T) {
	t.Parallel()
	if err := stream.Errorf("command for %q arrived on key %q", "a", "b"); !errors.Is(err, stream.ErrInapplicable) ||
		err.Error() != `inapplicable message: command for "a" arrived on key "b"` {
		t.Errorf("Errorf = %v", err)
	}
}
