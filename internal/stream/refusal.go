package stream

import (
	"errors"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Refusal is a business rule's reason to refuse a command. Rules declare
// their refusals as sentinels (errors.Is finds them through wrapping) and
// ProblemOf turns any of them into the Problem a caller receives.
type Refusal struct {
	// Code is the problem code callers see (the API maps it to a status).
	Code pb.ErrorCode
	// Field names the request field the refusal is about, if any.
	Field string
	// Msg describes the refusal.
	Msg string
}

func (r *Refusal) Error() string { return r.Msg }

// ProblemOf maps a rule's error to the problem sent on outcomes: a
// Refusal's code and field with the whole error chain as detail; any other
// error is an invalid command.
func ProblemOf(err error) *pb.Problem {
	var r *Refusal
	if errors.As(err, &r) {
		return &pb.Problem{Code: r.Code, Field: r.Field, Detail: err.Error()}
	}
	return &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_INVALID, Detail: err.Error()}
}
