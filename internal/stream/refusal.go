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

// Poison reports whether a rule's error means the command should never
// have been produced: a refusal coded INVALID (no kind, an unknown enum
// value, a missing or out-of-range field) or NOT_FOUND (a command for an
// entity that does not exist: the API checks its views before producing
// one), or any error that is not a Refusal. Such commands are
// dead-lettered as well as answered; the other refusals (conflicts) are
// business outcomes only.
func Poison(err error) bool {
	if err == nil {
		return false
	}
	var r *Refusal
	if !errors.As(err, &r) {
		return true
	}
	return r.Code == pb.ErrorCode_ERROR_CODE_INVALID || r.Code == pb.ErrorCode_ERROR_CODE_NOT_FOUND
}
