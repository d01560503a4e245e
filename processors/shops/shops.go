// Package shops is the shops processor: the goka group keyed by shop id
// that owns each shop's name and ordered list of warehouses.
package shops

import (
	"fmt"
	"slices"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the shops processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.ShopsGroup,
		stream.Input(topics.ShopsGroup, topics.ShopCommands, entity.Callback),
		goka.Persist(schemas.ShopCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// Refusals of the shop rules.
var (
	// ErrNoKind: a command with no kind (a producer bug).
	ErrNoKind = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "shop command has no kind"}
	// ErrUnknown: the command addresses a shop that does not exist.
	ErrUnknown = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Msg: "not found"}
	// ErrNoName: a create without a name (a producer bug).
	ErrNoName = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Field: "name", Msg: "shop has no name"}
)

// Apply is the pure rule: the shop after cmd, or why it is refused.
// A repeated create returns the existing shop unchanged.
func Apply(s *pb.Shop, cmd *pb.ShopCommand, now time.Time) (*pb.Shop, error) {
	switch k := cmd.GetKind().(type) {
	case *pb.ShopCommand_Create:
		if k.Create.GetName() == "" {
			return nil, ErrNoName
		}
		if s != nil {
			return s, nil
		}
		return &pb.Shop{
			Id: cmd.GetShopId(), Name: k.Create.GetName(), WarehouseIds: k.Create.GetWarehouseIds(),
			CreatedAtUnixMs: now.UnixMilli(), UpdatedAtUnixMs: now.UnixMilli(), Version: 1,
		}, nil
	case *pb.ShopCommand_SetWarehouses:
		if s == nil {
			return nil, fmt.Errorf("shop %s %w", cmd.GetShopId(), ErrUnknown)
		}
		if !slices.Equal(s.GetWarehouseIds(), k.SetWarehouses.GetWarehouseIds()) {
			s.WarehouseIds = k.SetWarehouses.GetWarehouseIds()
			s.UpdatedAtUnixMs = now.UnixMilli()
			s.Version++
		}
		return s, nil
	}
	return nil, ErrNoKind
}

var entity = stream.Entity[*pb.ShopCommand, *pb.Shop]{
	Key:   (*pb.ShopCommand).GetShopId,
	Apply: Apply,
	Outcome: func(v *pb.Shop) *pb.Outcome {
		return &pb.Outcome{Result: &pb.Outcome_Shop{Shop: v}}
	},
}
