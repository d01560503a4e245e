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

// ErrNoKind refuses a catalog command with no kind (a producer bug).
var ErrNoKind = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "catalog command has no kind"}

// Apply is the pure rule: the product after cmd, or why it is refused.
// A repeated create returns the existing product unchanged.
func Apply(p *pb.Product, cmd *pb.CatalogCommand, now time.Time) (*pb.Product, error) {
	c := cmd.GetCreate()
	if c == nil {
		return nil, ErrNoKind
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
