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

func TestTransferLegsReplyOnTransferRepliesKeyedByTransfer(t *testing.T) {
	gkt := gokatest.Start(t, stock.Graph())
	replies := gkt.NewQueueTracker(string(topics.TransferReplies))
	orderReplies := gkt.NewQueueTracker(string(topics.StockReplies))
	movements := gkt.NewQueueTracker(string(topics.StockMovements))

	gokatest.Send(t, gkt, topics.StockCommands, key, receiveCmd("a1", 5))
	gokatest.Send(t, gkt, topics.StockCommands, key, transferOutCmd("t1", 3, 7))
	gokatest.Send(t, gkt, topics.StockCommands, key, transferOutCmd("t1", 3, 7)) // re-sent
	gokatest.Send(t, gkt, topics.StockCommands, key, transferOutCmd("t2", 3, 8))
	gokatest.Send(t, gkt, topics.StockCommands, "p1@w9", &pb.StockCommand{CommandId: "t1/in", ProductId: "p1", WarehouseId: "w9", Source: "transfer-replies/0", SourceOffset: 3,
		Kind: &pb.StockCommand_TransferIn{TransferIn: &pb.TransferIn{TransferId: "t1", Quantity: 3}}})

	keys, rs := gokatest.Drain[*pb.StockReply](t, replies)
	want := []struct {
		key, command string
		status       pb.ReplyStatus
		qty          int64
	}{{"t1", "transfer_out", ok, 3}, {"t1", "transfer_out", ok, 3}, {"t2", "transfer_out", insufficient, 2}, {"t1", "transfer_in", ok, 3}}
	if len(rs) != len(want) {
		t.Fatalf("got %d replies, want %d", len(rs), len(want))
	}
	for i, w := range want {
		r := rs[i]
		if keys[i] != w.key || r.GetTransferId() != w.key || r.GetCommand() != w.command || r.GetStatus() != w.status || r.GetQuantity() != w.qty {
			t.Errorf("reply %d = %s %s %v x %d, want %s %s %v x %d", i, keys[i], r.GetCommand(), r.GetStatus(), r.GetQuantity(), w.key, w.command, w.status, w.qty)
		}
	}
	if _, orderRs := gokatest.Drain[*pb.StockReply](t, orderReplies); len(orderRs) != 0 {
		t.Errorf("transfer legs answered the orders saga: %v", orderRs)
	}
	_, ms := gokatest.Drain[*pb.StockMovement](t, movements)
	if len(ms) != 3 || ms[1].GetKind() != pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT || ms[2].GetKind() != pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN || ms[2].GetTransferId() != "t1" {
		t.Fatalf("movements %v, want receive, transfer_out, transfer_in", ms)
	}
	if l := gkt.TableValue(topics.StockTable, "p1@w9").(*pb.StockLevel); l.GetOnHand() != 3 {
		t.Errorf("destination on_hand %d, want 3", l.GetOnHand())
	}
	if l := gkt.TableValue(topics.StockTable, key).(*pb.StockLevel); l.GetOnHand() != 2 {
		t.Errorf("source on_hand %d, want 2", l.GetOnHand())
	}
}
