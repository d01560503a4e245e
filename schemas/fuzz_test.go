package schemas_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// codec is what every schemas codec offers (goka.Codec).
type codec interface {
	Encode(value any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// codecs are every codec of a message that crosses Kafka.
var codecs = map[string]codec{
	"StockCommand": schemas.StockCommandCodec, "StockLevel": schemas.StockLevelCodec,
	"StockReply": schemas.StockReplyCodec, "StockMovement": schemas.StockMovementCodec,
	"StockAlert": schemas.StockAlertCodec, "OrderCommand": schemas.OrderCommandCodec,
	"OrderState": schemas.OrderStateCodec, "WarehouseCommand": schemas.WarehouseCommandCodec,
	"Warehouse": schemas.WarehouseCodec, "CatalogCommand": schemas.CatalogCommandCodec,
	"Product": schemas.ProductCodec, "SkuClaim": schemas.SkuClaimCodec,
	"KeyCommand": schemas.KeyCommandCodec, "KeyClaim": schemas.KeyClaimCodec,
	"ShopCommand": schemas.ShopCommandCodec, "Shop": schemas.ShopCodec,
	"UserCommand": schemas.UserCommandCodec, "User": schemas.UserCodec,
	"TimerCommand": schemas.TimerCommandCodec, "TimerDeadline": schemas.TimerDeadlineCodec,
	"TransferCommand": schemas.TransferCommandCodec, "TransferState": schemas.TransferStateCodec,
	"TransferEvent": schemas.TransferEventCodec, "Outcome": schemas.OutcomeCodec,
	"DeadLetter": schemas.DeadLetterCodec, "OrderEvent": schemas.OrderEventCodec,
}

// realMessages are messages as stockflow writes them, one or more per
// topic: the fuzz seeds.
func realMessages() []proto.Message {
	reserve := &pb.StockCommand{CommandId: "o1/reserve/p1@w1/0", ProductId: "p1", WarehouseId: "w1", IssuedAtUnixMs: 1_764_000_000_000,
		Source: "order-commands/3", SourceOffset: 42, Kind: &pb.StockCommand_Reserve{Reserve: &pb.Reserve{OrderId: "o1", Quantity: 2, AllowPartial: true}}}
	expected := int64(5)
	movement := &pb.StockMovement{MovementId: "p1@w1#7", ProductId: "p1", WarehouseId: "w1", Kind: pb.MovementKind_MOVEMENT_KIND_RESERVE,
		ReservedDelta: 2, OnHandAfter: 5, ReservedAfter: 2, OrderId: "o1", CommandId: reserve.CommandId, Version: 7, AtUnixMs: 1_764_000_000_123}
	reply := &pb.StockReply{CommandId: reserve.CommandId, OrderId: "o1", ProductId: "p1", WarehouseId: "w1", Status: pb.ReplyStatus_REPLY_STATUS_OK,
		Kind: pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE, Requested: 2, Quantity: 2, Available: 3}
	order := &pb.Order{Id: "o1", UserId: "u1", ShopId: "s1", Status: pb.OrderStatus_ORDER_STATUS_RESERVED, Version: 3,
		Lines: []*pb.OrderLine{{ProductId: "p1", Quantity: 2, UnitPriceMinor: 1500, Currency: "IDR", Allocations: []*pb.Allocation{{WarehouseId: "w1", Quantity: 2}}}}}
	transfer := &pb.Transfer{Id: "t1", ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w2", Quantity: 1, Status: pb.TransferStatus_TRANSFER_STATUS_COMPLETED, Version: 3}
	return []proto.Message{
		reserve,
		&pb.StockCommand{CommandId: "a1", ProductId: "p1", WarehouseId: "w1", CorrelationId: "a1",
			Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{Kind: pb.AdjustKind_ADJUST_KIND_COUNT, Quantity: 5, ExpectedOnHand: &expected, Reason: "count"}}},
		&pb.StockCommand{CommandId: "t1/in", ProductId: "p1", WarehouseId: "w2", Source: "transfer-replies/0", SourceOffset: 9,
			Kind: &pb.StockCommand_TransferIn{TransferIn: &pb.TransferIn{TransferId: "t1", Quantity: 1}}},
		&pb.StockLevel{ProductId: "p1", WarehouseId: "w1", OnHand: 5, Reserved: 2, Version: 7, AppliedOffset: 11,
			Sources: map[string]int64{"order-commands/3": 42, "stock-replies/1": 8}, Recent: []string{"a:a1"},
			Changes: []*pb.StockChange{{Movement: movement, Reply: reply}}},
		reply, movement,
		&pb.StockAlert{AlertId: "p1@w1#7", ProductId: "p1", WarehouseId: "w1", Kind: pb.StockAlertKind_STOCK_ALERT_KIND_LOW_STOCK, Available: 3, Threshold: 5},
		&pb.OrderCommand{CommandId: "o1", OrderId: "o1", CorrelationId: "o1", Kind: &pb.OrderCommand_Place{Place: &pb.PlaceOrder{
			UserId: "u1", ShopId: "s1", TtlSeconds: 1800, Lines: []*pb.LineRequest{{ProductId: "p1", Quantity: 2, WarehouseIds: []string{"w1", "w2"}}}}}},
		&pb.OrderCommand{CommandId: "pay/o1", OrderId: "o1", Kind: &pb.OrderCommand_Pay{Pay: &pb.PayOrder{}}},
		&pb.OrderState{Order: order, Outstanding: []*pb.StockCommand{reserve}, AppliedOffsets: map[string]int64{"order-commands": 3},
			Progress: []*pb.LineProgress{{Candidates: []string{"w2"}, Contacted: []string{"w1"}}}, EarlyReplies: []*pb.StockReply{reply}},
		&pb.WarehouseCommand{WarehouseId: "w1", Kind: &pb.WarehouseCommand_SetStatus{SetStatus: &pb.SetWarehouseStatus{Status: pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE}}},
		&pb.Warehouse{Id: "w1", Name: "Jakarta North", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, Version: 1},
		&pb.CatalogCommand{ProductId: "p1", Kind: &pb.CatalogCommand_Create{Create: &pb.CreateProduct{Sku: "TEE", Name: "Tee", PriceMinor: 129900, Currency: "IDR", LowStockThreshold: 5}}},
		&pb.Product{Id: "p1", Sku: "TEE", Name: "Tee", PriceMinor: 129900, Currency: "IDR", Version: 1},
		&pb.SkuClaim{Sku: "TEE", ProductId: "p1", Version: 1},
		&pb.KeyCommand{Key: "orders/k1", RequestHash: "9f86d081", CorrelationId: "k1"},
		&pb.KeyClaim{Key: "orders/k1", RequestHash: "9f86d081", Version: 1},
		&pb.ShopCommand{ShopId: "s1", Kind: &pb.ShopCommand_Create{Create: &pb.CreateShop{Name: "Main", WarehouseIds: []string{"w1", "w2"}}}},
		&pb.Shop{Id: "s1", Name: "Main", WarehouseIds: []string{"w1"}, Version: 2},
		&pb.UserCommand{Email: "ana@example.com", Kind: &pb.UserCommand_Register{Register: &pb.RegisterUser{UserId: "u1", Role: pb.Role_ROLE_CUSTOMER, PasswordHash: "$2a$10$x"}}},
		&pb.User{Id: "u1", Email: "ana@example.com", Role: pb.Role_ROLE_ADMIN, Version: 1},
		&pb.TimerCommand{Kind: &pb.TimerCommand_Schedule{Schedule: &pb.ScheduleExpiry{OrderId: "o1", DueUnixMs: 1_764_001_800_000}}},
		&pb.TimerDeadline{OrderId: "o1", DueUnixMs: 1_764_001_800_000},
		&pb.TransferCommand{CommandId: "t1", TransferId: "t1", Kind: &pb.TransferCommand_Request{Request: &pb.RequestTransfer{
			ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w2", Quantity: 1, InTransit: true}}},
		&pb.TransferState{Transfer: transfer, Outstanding: reserve, AppliedOffsets: map[string]int64{"transfer-commands": 1}},
		&pb.TransferEvent{EventId: "t1#3", Kind: pb.TransferEventKind_TRANSFER_EVENT_KIND_COMPLETED, Transfer: transfer},
		&pb.Outcome{CorrelationId: "o1", Result: &pb.Outcome_Order{Order: order}},
		&pb.Outcome{CorrelationId: "x", Result: &pb.Outcome_Problem{Problem: &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "sku", Detail: "taken"}}},
		&pb.OrderEvent{EventId: "o1#paid", OrderId: "o1", UserId: "u1", ShopId: "s1", Kind: pb.OrderEventKind_ORDER_EVENT_KIND_PAID, Sequence: 3,
			OccurredAtUnixMs: 1_764_000_100_000, Lines: []*pb.OrderEventLine{{ProductId: "p1", Quantity: 2, UnitPriceMinor: 1500, Currency: "IDR"}},
			Committed: []*pb.OrderStock{{ProductId: "p1", WarehouseId: "w1", Quantity: 2}}, PaidAtUnixMs: 1_764_000_100_000, PaymentReference: "PAY-1"},
		&pb.DeadLetter{SourceTopic: "stock-commands", Partition: 2, Offset: 17, Key: "p1@w1", Value: []byte{0xff}, Group: "stock", Error: "inapplicable message"},
	}
}

// FuzzDecode feeds any bytes to every codec: decoding never panics, and a
// message that decodes encodes to bytes that decode to the same message
// (unknown fields included) and encode the same again; and the stock
// level's view codec reads what the whole codec reads, minus bookkeeping.
func FuzzDecode(f *testing.F) {
	for _, m := range realMessages() {
		data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		sameViewOfLevel(t, data)
		for name, c := range codecs {
			first, err := c.Decode(data)
			if err != nil {
				continue
			}
			encoded, err := c.Encode(first)
			if err != nil {
				t.Fatalf("%s: encode what decoded: %v", name, err)
			}
			second, err := c.Decode(encoded)
			if err != nil {
				t.Fatalf("%s: decode what was encoded: %v", name, err)
			}
			if !proto.Equal(first.(proto.Message), second.(proto.Message)) {
				t.Fatalf("%s: round trip changed %v into %v", name, first, second)
			}
			again, err := proto.MarshalOptions{Deterministic: true}.Marshal(second.(proto.Message))
			if err != nil {
				t.Fatalf("%s: encode again: %v", name, err)
			}
			once, _ := proto.MarshalOptions{Deterministic: true}.Marshal(first.(proto.Message))
			if string(once) != string(again) {
				t.Fatalf("%s: encoding is not stable over a round trip", name)
			}
		}
	})
}

func TestEveryCodecHasASeed(t *testing.T) {
	seeded := map[string]bool{}
	for _, m := range realMessages() {
		seeded[string(m.ProtoReflect().Descriptor().Name())] = true
	}
	for name := range codecs {
		if !seeded[name] {
			t.Errorf("no real %s among the fuzz seeds", name)
		}
	}
}
