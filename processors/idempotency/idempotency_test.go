package idempotency_test

import (
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/idempotency"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestAKeyIsBoundToItsFirstRequest(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	first, problem := idempotency.Apply(nil, &pb.KeyCommand{Key: "register/k1", RequestHash: "h1"}, now)
	if problem != nil || first.GetRequestHash() != "h1" || first.GetVersion() != 1 {
		t.Fatalf("first claim = %v, %v", first, problem)
	}
	cases := []struct {
		name     string
		hash     string
		conflict bool
	}{
		{"same_request_is_a_retry", "h1", false},
		{"another_request_is_a_conflict", "h2", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, problem := idempotency.Apply(first, &pb.KeyCommand{Key: "register/k1", RequestHash: c.hash}, now.Add(time.Minute))
			if c.conflict {
				if problem.GetCode() != pb.ErrorCode_ERROR_CODE_CONFLICT || problem.GetField() != "Idempotency-Key" {
					t.Fatalf("problem = %v, want a conflict naming Idempotency-Key", problem)
				}
				return
			}
			if problem != nil || got != first {
				t.Fatalf("retry = %v, %v; want the first claim unchanged", got, problem)
			}
		})
	}
	if _, problem := idempotency.Apply(nil, &pb.KeyCommand{Key: "k"}, now); problem.GetCode() != pb.ErrorCode_ERROR_CODE_INVALID {
		t.Fatalf("a claim without a hash = %v, want invalid", problem)
	}
}
