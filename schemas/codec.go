package schemas

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Message is a generated protobuf message type used through its pointer.
type Message[T any] interface {
	*T
	proto.Message
}

// Codec encodes and decodes one protobuf message type. It implements
// goka.Codec; Decode returns a *T.
type Codec[T any, PT Message[T]] struct{}

// Encode marshals a *T.
func (Codec[T, PT]) Encode(value any) ([]byte, error) {
	m, ok := value.(PT)
	if !ok {
		return nil, fmt.Errorf("codec %T: cannot encode %T", PT(nil), value)
	}
	return proto.Marshal(m)
}

// Decode unmarshals into a new *T.
func (c Codec[T, PT]) Decode(data []byte) (any, error) {
	return c.Unmarshal(data)
}

// Unmarshal is Decode with a typed result.
func (Codec[T, PT]) Unmarshal(data []byte) (PT, error) {
	m := PT(new(T))
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode %T: %w", m, err)
	}
	return m, nil
}

// Codecs, one per message type that crosses Kafka.
var (
	StockCommandCodec     Codec[pb.StockCommand, *pb.StockCommand]
	StockLevelCodec       Codec[pb.StockLevel, *pb.StockLevel]
	StockReplyCodec       Codec[pb.StockReply, *pb.StockReply]
	StockMovementCodec    Codec[pb.StockMovement, *pb.StockMovement]
	StockAlertCodec       Codec[pb.StockAlert, *pb.StockAlert]
	OrderCommandCodec     Codec[pb.OrderCommand, *pb.OrderCommand]
	OrderStateCodec       Codec[pb.OrderState, *pb.OrderState]
	OrderEventCodec       Codec[pb.OrderEvent, *pb.OrderEvent]
	WarehouseCommandCodec Codec[pb.WarehouseCommand, *pb.WarehouseCommand]
	WarehouseCodec        Codec[pb.Warehouse, *pb.Warehouse]
	CatalogCommandCodec   Codec[pb.CatalogCommand, *pb.CatalogCommand]
	ProductCodec          Codec[pb.Product, *pb.Product]
	SkuClaimCodec         Codec[pb.SkuClaim, *pb.SkuClaim]
	KeyCommandCodec       Codec[pb.KeyCommand, *pb.KeyCommand]
	KeyClaimCodec         Codec[pb.KeyClaim, *pb.KeyClaim]
	ShopCommandCodec      Codec[pb.ShopCommand, *pb.ShopCommand]
	ShopCodec             Codec[pb.Shop, *pb.Shop]
	UserCommandCodec      Codec[pb.UserCommand, *pb.UserCommand]
	UserCodec             Codec[pb.User, *pb.User]
	TimerCommandCodec     Codec[pb.TimerCommand, *pb.TimerCommand]
	TimerDeadlineCodec    Codec[pb.TimerDeadline, *pb.TimerDeadline]
	TransferCommandCodec  Codec[pb.TransferCommand, *pb.TransferCommand]
	TransferStateCodec    Codec[pb.TransferState, *pb.TransferState]
	TransferEventCodec    Codec[pb.TransferEvent, *pb.TransferEvent]
	OutcomeCodec          Codec[pb.Outcome, *pb.Outcome]
	DeadLetterCodec       Codec[pb.DeadLetter, *pb.DeadLetter]
)
