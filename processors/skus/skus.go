// Package skus is the SKU registry: the goka group keyed by normalised SKU
// that lets exactly one product claim each SKU. A create-product command
// arrives here first; once the SKU is claimed it is forwarded to the
// catalog processor, otherwise the caller gets a conflict.
package skus

import (
	"fmt"
	"strings"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the skus processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.SkusGroup,
		stream.Input(topics.SkusGroup, topics.SkuCommands, onCreate),
		goka.Persist(schemas.SkuClaimCodec),
		goka.Output(topics.CatalogCommands, schemas.CatalogCommandCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// Normalize is the skus table key of a SKU: trimmed and upper-cased.
func Normalize(sku string) string { return strings.ToUpper(strings.TrimSpace(sku)) }

// ErrTaken refuses a SKU another product owns.
var ErrTaken = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "sku", Msg: "the SKU belongs to another product"}

// Claim is the pure rule: the claim after a product asks for sku, or
// ErrTaken when another product owns it.
func Claim(c *pb.SkuClaim, sku, productID string) (*pb.SkuClaim, error) {
	if c == nil {
		return &pb.SkuClaim{Sku: sku, ProductId: productID, Version: 1}, nil
	}
	if c.GetProductId() != productID {
		return c, fmt.Errorf("SKU %s belongs to product %s: %w", sku, c.GetProductId(), ErrTaken)
	}
	return c, nil
}

func onCreate(ctx goka.Context, cmd *pb.CatalogCommand) error {
	create := cmd.GetCreate()
	if create == nil || Normalize(create.GetSku()) != ctx.Key() {
		return stream.Errorf("sku command %q does not create SKU %q", cmd.GetCommandId(), ctx.Key())
	}
	if cmd.GetProductId() == "" {
		return stream.Errorf("sku command %q claims SKU %q for no product", cmd.GetCommandId(), ctx.Key())
	}
	before, _ := ctx.Value().(*pb.SkuClaim)
	claim, err := Claim(before, ctx.Key(), cmd.GetProductId())
	if err != nil {
		if id := cmd.GetCorrelationId(); id != "" {
			ctx.Emit(topics.Outcomes, id, &pb.Outcome{CorrelationId: id, Result: &pb.Outcome_Problem{Problem: stream.ProblemOf(err)}})
		}
		return nil
	}
	if before == nil {
		ctx.SetValue(claim)
	}
	ctx.Emit(topics.CatalogCommands, cmd.GetProductId(), cmd)
	return nil
}
