package transfers_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func requestCmd(r *pb.RequestTransfer) *pb.TransferCommand {
	return &pb.TransferCommand{CommandId: "t1", TransferId: "t1", CorrelationId: "t1", Kind: &pb.TransferCommand_Request{Request: r}}
}

func redriveCmd() *pb.TransferCommand {
	return &pb.TransferCommand{CommandId: "redrive/t1", TransferId: "t1", Kind: &pb.TransferCommand_Redrive{Redrive: &pb.RedriveTransfer{}}}
}

func TestProcessorDebitsCreditsAndPublishesOverKafkaTopics(t *testing.T) {
	gkt := gokatest.Start(t, transfers.Graph())
	stockCmds := gkt.NewQueueTracker(string(topics.StockCommands))
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))
	events := gkt.NewQueueTracker(string(topics.TransferEvents))

	gokatest.Send(t, gkt, topics.TransferCommands, "t1", requestCmd(request(4)))
	keys, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if len(sent) != 1 || keys[0] != "p1@w1" || sent[0].GetTransferOut() == nil || sent[0].GetSource() == "" {
		t.Fatalf("sent %v keyed %v, want one stamped transfer_out on p1@w1", sent, keys)
	}
	debit := sent[0]

	// A redrive while the debit is outstanding re-sends it unchanged.
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", redriveCmd())
	if _, again := gokatest.Drain[*pb.StockCommand](t, stockCmds); len(again) != 1 || !proto.Equal(again[0], debit) {
		t.Fatalf("redrive sent %v, want the debit again", again)
	}

	gokatest.Send(t, gkt, topics.TransferReplies, "t1", answer(debit, ok, 4))
	keys, sent = gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if len(sent) != 1 || keys[0] != "p1@w2" || sent[0].GetTransferIn().GetQuantity() != 4 {
		t.Fatalf("sent %v keyed %v, want transfer_in 4 on p1@w2", sent, keys)
	}
	gokatest.Send(t, gkt, topics.TransferReplies, "t1", answer(sent[0], ok, 4))

	okeys, outs := gokatest.Drain[*pb.Outcome](t, outcomes)
	if len(outs) != 1 || okeys[0] != "t1" || outs[0].GetTransfer().GetStatus() != completed {
		t.Fatalf("outcomes %v, want one completed transfer on t1", outs)
	}
	_, evs := gokatest.Drain[*pb.TransferEvent](t, events)
	if len(evs) != 2 || evs[0].GetKind() != pb.TransferEventKind_TRANSFER_EVENT_KIND_REQUESTED || evs[1].GetKind() != pb.TransferEventKind_TRANSFER_EVENT_KIND_COMPLETED || evs[1].GetEventId() != "t1#3" {
		t.Fatalf("events %v, want requested then completed (t1#3)", evs)
	}
	if s := gkt.TableValue(topics.TransfersTable, "t1").(*pb.TransferState); s.GetTransfer().GetStatus() != completed || s.GetOutstanding() != nil {
		t.Fatalf("stored %v, want completed with nothing outstanding", s)
	}

	// A retried request answers with the decided transfer and sends nothing.
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", requestCmd(request(4)))
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 1 || outs[0].GetTransfer().GetStatus() != completed {
		t.Fatalf("retry answered %v, want the completed transfer", outs)
	}
	if _, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds); len(sent) != 0 {
		t.Fatalf("retry sent %v", sent)
	}
}

func TestProcessorRefusesTransfersIntoAnInactiveWarehouse(t *testing.T) {
	gkt := gokatest.Start(t, transfers.Graph())
	gkt.SetTableValue(topics.WarehousesTable, "w2", &pb.Warehouse{Id: "w2", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE, Version: 2})
	stockCmds := gkt.NewQueueTracker(string(topics.StockCommands))
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))

	gokatest.Send(t, gkt, topics.TransferCommands, "t1", requestCmd(request(4)))
	if _, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds); len(sent) != 0 {
		t.Fatalf("sent %v, want nothing", sent)
	}
	_, outs := gokatest.Drain[*pb.Outcome](t, outcomes)
	if len(outs) != 1 || outs[0].GetTransfer().GetStatus() != rejected || outs[0].GetTransfer().GetProblem().GetField() != "to_warehouse_id" {
		t.Fatalf("outcomes %v, want a rejection naming to_warehouse_id", outs)
	}
}

func TestPoisonTransferMessagesAreDeadLettered(t *testing.T) {
	gkt := gokatest.Start(t, transfers.Graph())
	dead := gkt.NewQueueTracker(string(topics.DeadLetters))
	gkt.Consume(string(topics.TransferCommands), "t1", []byte{0xff, 0xff})
	gokatest.Send(t, gkt, topics.TransferCommands, "t2", requestCmd(request(4)))                                                                    // wrong key
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", requestCmd(&pb.RequestTransfer{ProductId: "p1"}))                                          // invalid
	gokatest.Send(t, gkt, topics.TransferReplies, "t9", &pb.StockReply{TransferId: "t1", Kind: pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN}) // wrong key
	if _, letters := gokatest.Drain[*pb.DeadLetter](t, dead); len(letters) != 4 {
		t.Fatalf("got %d dead letters, want 4", len(letters))
	}
	if v := gkt.TableValue(topics.TransfersTable, "t1"); v != nil {
		t.Fatalf("stored %v for poison messages", v)
	}
}

func TestProcessorCreditsAnInTransitTransferOnReceipt(t *testing.T) {
	gkt := gokatest.Start(t, transfers.Graph())
	stockCmds := gkt.NewQueueTracker(string(topics.StockCommands))
	outcomes := gkt.NewQueueTracker(string(topics.Outcomes))
	receive := &pb.TransferCommand{CommandId: "rc1", TransferId: "t1", CorrelationId: "t1", Kind: &pb.TransferCommand_Receive{Receive: &pb.ReceiveTransfer{}}}

	r := request(4)
	r.InTransit = true
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", requestCmd(r))
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", receive) // too early
	_, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 1 || outs[0].GetProblem().GetCode() != pb.ErrorCode_ERROR_CODE_CONFLICT {
		t.Fatalf("early receipt answered %v, want a conflict", outs)
	}
	gokatest.Send(t, gkt, topics.TransferReplies, "t1", answer(sent[0], ok, 4))
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 1 || outs[0].GetTransfer().GetStatus() != inTransit {
		t.Fatalf("after the debit: %v, want in transit", outs)
	}
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", redriveCmd())
	if _, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds); len(sent) != 0 {
		t.Fatalf("redrive in transit sent %v, want nothing", sent)
	}
	gokatest.Drain[*pb.Outcome](t, outcomes) // the redrive published it again

	gokatest.Send(t, gkt, topics.TransferCommands, "t1", receive)
	gokatest.Send(t, gkt, topics.TransferCommands, "t1", receive) // repeated
	keys, sent := gokatest.Drain[*pb.StockCommand](t, stockCmds)
	if len(sent) != 1 || keys[0] != "p1@w2" || sent[0].GetTransferIn().GetQuantity() != 4 {
		t.Fatalf("receipts sent %v keyed %v, want one credit on p1@w2", sent, keys)
	}
	gokatest.Send(t, gkt, topics.TransferReplies, "t1", answer(sent[0], ok, 4))
	if _, outs := gokatest.Drain[*pb.Outcome](t, outcomes); len(outs) != 1 || outs[0].GetTransfer().GetStatus() != completed {
		t.Fatalf("after the credit: %v, want completed", outs)
	}
}
