package catalog_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/catalog"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestApply(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	create := &pb.CatalogCommand{ProductId: "p1", Kind: &pb.CatalogCommand_Create{Create: &pb.CreateProduct{Sku: "TEE", Name: "Tee", PriceMinor: 100, Currency: "IDR"}}}
	existing := &pb.Product{Id: "p1", Sku: "TEE", Name: "first", Version: 1}
	cases := []struct {
		name     string
		before   *pb.Product
		cmd      *pb.CatalogCommand
		err      error
		wantName string
	}{
		{"a_new_product_is_created", nil, create, nil, "Tee"},
		{"a_repeated_create_returns_the_product_unchanged", existing, create, nil, "first"},
		{"a_command_without_kind_is_refused", nil, &pb.CatalogCommand{ProductId: "p1"}, catalog.ErrNoKind, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := catalog.Apply(c.before, c.cmd, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && p.GetName() != c.wantName {
				t.Fatalf("product %v, want name %q", p, c.wantName)
			}
		})
	}
}
