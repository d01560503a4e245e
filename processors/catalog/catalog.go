// Package catalog is the catalog processor: the goka group keyed by product
// id that owns each product's SKU, name and price.
package catalog

import (
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the catalog processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.CatalogGroup,
		stream.Input(topics.CatalogGroup, topics.CatalogCommands, entity.Callback),
		goka.Persist(schemas.ProductCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// Refusals of the catalog rules, all producer bugs (the API validates).
var (
	// ErrNoKind refuses a catalog command with no kind.
	ErrNoKind = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "catalog command has no kind"}
	// ErrIncomplete refuses a create without a SKU or name, or with a
	// negative price or threshold.
	ErrIncomplete = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "product needs a SKU, a name and a price and threshold of 0 or more"}
)

// Apply is the pure rule: the product after cmd, or why it is refused.
// A repeated create returns the existing product unchanged.
func Apply(p *pb.Product, cmd *pb.CatalogCommand, now time.Time) (*pb.Product, error) {
	c := cmd.GetCreate()
	if c == nil {
		return nil, ErrNoKind
	}
	if c.GetSku() == "" || c.GetName() == "" || c.GetPriceMinor() < 0 || c.GetLowStockThreshold() < 0 {
		return nil, ErrIncomplete
	}
	if p != nil {
		return p, nil
	}
	return &pb.Product{
		Id: cmd.GetProductId(), Sku: c.GetSku(), Name: c.GetName(),
		PriceMinor: c.GetPriceMinor(), Currency: c.GetCurrency(), LowStockThreshold: c.GetLowStockThreshold(),
		CreatedAtUnixMs: now.UnixMilli(), UpdatedAtUnixMs: now.UnixMilli(), Version: 1,
	}, nil
}

var entity = stream.Entity[*pb.CatalogCommand, *pb.Product]{
	Key:   (*pb.CatalogCommand).GetProductId,
	Apply: Apply,
	Outcome: func(v *pb.Product) *pb.Outcome {
		return &pb.Outcome{Result: &pb.Outcome_Product{Product: v}}
	},
}
