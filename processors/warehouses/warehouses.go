// Package warehouses is the warehouses processor: the goka group keyed by
// warehouse id that owns each warehouse's name and status.
package warehouses

import (
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the warehouses processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.WarehousesGroup,
		stream.Input(topics.WarehousesGroup, topics.WarehouseCommands, entity.Callback),
		goka.Persist(schemas.WarehouseCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// Refusals of the warehouse rules.
var (
	// ErrNoKind: a command with no kind (a producer bug).
	ErrNoKind = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "warehouse command has no kind"}
	// ErrUnknown: the command addresses a warehouse that does not exist.
	ErrUnknown = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Msg: "not found"}
	// ErrNoName: a create without a name (a producer bug).
	ErrNoName = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Field: "name", Msg: "warehouse has no name"}
	// ErrBadStatus: a status change to UNSPECIFIED or to a value this
	// version does not know (a producer bug).
	ErrBadStatus = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Field: "status", Msg: "unknown warehouse status"}
)

// Apply is the pure rule: the warehouse after cmd, or why it is refused.
// A repeated create returns the existing warehouse unchanged.
func Apply(w *pb.Warehouse, cmd *pb.WarehouseCommand, now time.Time) (*pb.Warehouse, error) {
	switch k := cmd.GetKind().(type) {
	case *pb.WarehouseCommand_Create:
		if k.Create.GetName() == "" {
			return nil, ErrNoName
		}
		if w != nil {
			return w, nil
		}
		return &pb.Warehouse{
			Id: cmd.GetWarehouseId(), Name: k.Create.GetName(), Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE,
			CreatedAtUnixMs: now.UnixMilli(), UpdatedAtUnixMs: now.UnixMilli(), Version: 1,
		}, nil
	case *pb.WarehouseCommand_SetStatus:
		if st := k.SetStatus.GetStatus(); st != pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE && st != pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE {
			return nil, fmt.Errorf("status %d: %w", st, ErrBadStatus)
		}
		if w == nil {
			return nil, fmt.Errorf("warehouse %s %w", cmd.GetWarehouseId(), ErrUnknown)
		}
		if w.GetStatus() != k.SetStatus.GetStatus() {
			w.Status = k.SetStatus.GetStatus()
			w.UpdatedAtUnixMs = now.UnixMilli()
			w.Version++
		}
		return w, nil
	}
	return nil, ErrNoKind
}

var entity = stream.Entity[*pb.WarehouseCommand, *pb.Warehouse]{
	Key:   (*pb.WarehouseCommand).GetWarehouseId,
	Apply: Apply,
	Outcome: func(v *pb.Warehouse) *pb.Outcome {
		return &pb.Outcome{Result: &pb.Outcome_Warehouse{Warehouse: v}}
	},
}
