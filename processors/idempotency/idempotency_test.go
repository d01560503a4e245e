package idempotency_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/idempotency"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestAKeyIsBoundToItsFirstRequest(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	first, err := idempotency.Apply(nil, &pb.KeyCommand{Key: "register/k1", RequestHash: "h1"}, now)
	if err != nil || first.GetRequestHash() != "h1" || first.GetVersion() != 1 {
		t.Fatalf("first claim = %v, %v", first, err)
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
			got, err := idempotency.Apply(first, &pb.KeyCommand{Key: "register/k1", RequestHash: c.hash}, now.Add(time.Minute))
			if c.conflict {
				if !errors.Is(err, idempotency.ErrKeyReused) {
					t.Fatalf("error = %v, want ErrKeyReused", err)
				}
				return
			}
			if err != nil || got != first {
				t.Fatalf("retry = %v, %v; want the first claim unchanged", got, err)
			}
		})
	}
	if _, err := idempotency.Apply(nil, &pb.KeyCommand{Key: "k"}, now); !errors.Is(err, idempotency.ErrNoHash) {
		t.Fatalf("a claim without a hash = %v, want ErrNoHash", err)
	}
}
