package stock_test

import (
	"testing"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func transferOutCmd(transfer string, qty, offset int64) *pb.StockCommand {
	return &pb.StockCommand{CommandId: transfer + "/out", ProductId: "p1", WarehouseId: "w1", Source: "transfer-commands/0", SourceOffset: offset,
		Kind: &pb.StockCommand_TransferOut{TransferOut: &pb.TransferOut{TransferId: transfer, Quantity: qty}}}
}

// A leg is applied once per stamp, and its stored reply is addressed to
// the transfer (the relay publishes it on transfer-replies).
func TestTransferLegsApplyOncePerStampAndAnswerTheTransfer(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	dead := gkt.NewQueueTracker(string(topics.DeadLetters))
	send(t, gkt, receiveCmd("a1", 5))
	level := send(t, gkt, transferOutCmd("t1", 3, 7))
	if r := level.GetChanges()[0].GetReply(); r.GetTransferId() != "t1" || r.GetOrderId() != "" || r.GetKind() != pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT || r.GetStatus() != ok || r.GetQuantity() != 3 {
		t.Fatalf("stored reply %v, want transfer_out ok x 3 for t1", r)
	}
	if m := level.GetChanges()[0].GetMovement(); m.GetKind() != pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT || m.GetTransferId() != "t1" {
		t.Fatalf("stored movement %v, want a transfer_out of t1", m)
	}
	if level = send(t, gkt, transferOutCmd("t1", 3, 7)); level.GetOnHand() != 2 {
		t.Fatalf("a re-sent debit moved stock again: on_hand %d, want 2", level.GetOnHand())
	}
	level = send(t, gkt, transferOutCmd("t2", 3, 8))
	if r := level.GetChanges()[0].GetReply(); r.GetStatus() != insufficient || r.GetQuantity() != 2 || level.GetOnHand() != 2 {
		t.Fatalf("a debit beyond available: reply %v, on_hand %d; want refused with 2 available", r, level.GetOnHand())
	}
	gokatest.Send(t, gkt, topics.StockCommands, "p1@w9", &pb.StockCommand{CommandId: "t1/in", ProductId: "p1", WarehouseId: "w9", Source: "transfer-replies/0", SourceOffset: 3,
		Kind: &pb.StockCommand_TransferIn{TransferIn: &pb.TransferIn{TransferId: "t1", Quantity: 3}}})
	if l := gkt.TableValue(topics.StockTable, "p1@w9").(*pb.StockLevel); l.GetOnHand() != 3 {
		t.Errorf("destination on_hand %d, want 3", l.GetOnHand())
	}
	unstamped := transferOutCmd("t3", 1, 0)
	unstamped.Source = ""
	gokatest.Send(t, gkt, topics.StockCommands, key, unstamped)
	if _, letters := gokatest.Drain[*pb.DeadLetter](t, dead); len(letters) != 1 {
		t.Errorf("an unstamped leg gave %d dead letters, want 1", len(letters))
	}
}
