// Package warehouses is the warehouses processor: the goka group keyed by
// warehouse id that owns each warehouse's name and status.
package warehouses

import (
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

// Apply is the pure rule: the warehouse after cmd, or the problem refusing it.
// A repeated create returns the existing warehouse unchanged.
func Apply(w *pb.Warehouse, cmd *pb.WarehouseCommand, now time.Time) (*pb.Warehouse, *pb.Problem) {
	switch k := cmd.GetKind().(type) {
	case *pb.WarehouseCommand_Create:
		if w != nil {
			return w, nil
		}
		return &pb.Warehouse{
			Id: cmd.GetWarehouseId(), Name: k.Create.GetName(), Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE,
			CreatedAtUnixMs: now.UnixMilli(), UpdatedAtUnixMs: now.UnixMilli(), Version: 1,
		}, nil
	case *pb.WarehouseCommand_SetStatus:
		if w == nil {
			return nil, &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Detail: "warehouse " + cmd.GetWarehouseId() + " not found"}
		}
		if w.GetStatus() != k.SetStatus.GetStatus() {
			w.Status = k.SetStatus.GetStatus()
			w.UpdatedAtUnixMs = now.UnixMilli()
			w.Version++
		}
		return w, nil
	}
	return nil, &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_INVALID, Detail: "warehouse command has no kind"}
}

var entity = stream.Entity[*pb.WarehouseCommand, *pb.Warehouse]{
	Key:   (*pb.WarehouseCommand).GetWarehouseId,
	Apply: Apply,
	Outcome: func(v *pb.Warehouse) *pb.Outcome {
		return &pb.Outcome{Result: &pb.Outcome_Warehouse{Warehouse: v}}
	},
}
