package system

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stockflow/stockflow/internal/kafka"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// fencedTables are the tables whose restores and views keep the newest
// value of a key rather than the last one in the changelog (kafka.Versions:
// a replaced instance's late writes), with how each owner counts its
// writes: a stock level records the offset of the last command it applied,
// an order or a transfer the offset of the last input applied per input
// topic, and a processor only stores for an input later than the last one
// it applied (replays are skipped).
func fencedTables() kafka.Versions {
	return kafka.Versions{
		topics.StockTable:     kafka.Int64Field(fieldNumber(&pb.StockLevel{}, "applied_offset")),
		topics.OrdersTable:    kafka.Int64Map(fieldNumber(&pb.OrderState{}, "applied_offsets")),
		topics.TransfersTable: kafka.Int64Map(fieldNumber(&pb.TransferState{}, "applied_offsets")),
	}
}

func fieldNumber(m proto.Message, name protoreflect.Name) protowire.Number {
	return m.ProtoReflect().Descriptor().Fields().ByName(name).Number()
}
