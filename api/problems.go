package api

import (
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// problemError turns a processor's refusal into a problem+json error.
func problemError(p *pb.Problem) error {
	status := http.StatusUnprocessableEntity
	switch p.GetCode() {
	case pb.ErrorCode_ERROR_CODE_NOT_FOUND:
		status = http.StatusNotFound
	case pb.ErrorCode_ERROR_CODE_CONFLICT, pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK:
		status = http.StatusConflict
	}
	if p.GetField() == "" {
		return huma.NewError(status, p.GetDetail())
	}
	return fieldError(status, p.GetDetail(), "body."+p.GetField(), nil)
}

// fieldError is a problem naming the offending field (errors[0].location).
func fieldError(status int, msg, location string, value any) error {
	return huma.NewError(status, msg, &huma.ErrorDetail{Message: msg, Location: location, Value: value})
}

// notFound is a 404 naming the field that referenced the missing entity.
func notFound(kind, id, location string) error {
	return fieldError(http.StatusNotFound, fmt.Sprintf("%s %s not found", kind, id), location, id)
}

// unexpectedOutcome reports an outcome of the wrong type (a bug, not bad input).
func unexpectedOutcome(o *pb.Outcome) error {
	if p := o.GetProblem(); p != nil {
		return problemError(p)
	}
	return huma.Error502BadGateway(fmt.Sprintf("unexpected outcome %T", o.GetResult()))
}
