package skus_test

import (
	"errors"
	"testing"

	"github.com/stockflow/stockflow/processors/skus"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestClaim(t *testing.T) {
	t.Parallel()
	owned := &pb.SkuClaim{Sku: "TEE", ProductId: "p1", Version: 1}
	cases := []struct {
		name    string
		before  *pb.SkuClaim
		product string
		err     error
	}{
		{"a_free_sku_is_claimed", nil, "p1", nil},
		{"the_owner_claiming_again_proceeds", owned, "p1", nil},
		{"another_product_is_refused", owned, "p2", skus.ErrTaken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			claim, err := skus.Claim(c.before, "TEE", c.product)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if claim.GetProductId() != "p1" {
				t.Fatalf("claim %v, want owned by p1", claim)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	if got := skus.Normalize("  tee-Red "); got != "TEE-RED" {
		t.Fatalf("Normalize = %q, want TEE-RED", got)
	}
}
