package api

import (
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

func TestProblemsNeitherEchoBodiesNorNameGoTypes(t *testing.T) {
	m := &huma.ErrorModel{Errors: []*huma.ErrorDetail{
		{Location: "body", Message: "json: cannot unmarshal number 1.5 into Go struct field LineInput.lines.quantity of type int64", Value: `{"password":"secret"}`},
		{Location: "body.password", Message: "expected length >= 8", Value: "short"},
		{Location: "query.limit", Message: "expected integer", Value: "x"},
	}}
	if _, err := sanitizeErrors(nil, "422", m); err != nil {
		t.Fatal(err)
	}
	if e := m.Errors[0]; e.Value != nil || e.Location != "body.lines.quantity" || e.Message != "expected integer, got number 1.5" {
		t.Errorf("decoding error = %+v", e)
	}
	if m.Errors[1].Value != nil {
		t.Error("a body value is echoed")
	}
	if m.Errors[2].Value != "x" {
		t.Error("a query value (not a body) was dropped")
	}
}
