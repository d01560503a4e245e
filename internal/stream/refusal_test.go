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
