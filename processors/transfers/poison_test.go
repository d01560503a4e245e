package transfers_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func transferCmd(id string, r *pb.RequestTransfer) *pb.TransferCommand {
	return &pb.TransferCommand{CommandId: id, TransferId: id, CorrelationId: id, Kind: &pb.TransferCommand_Request{Request: r}}
}

func TestPoisonTransferMessagesAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	cmds, replies := topics.TransferCommands, topics.TransferReplies
	cmd := func(name, key string, c *pb.TransferCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: cmds, Key: key, Value: gokatest.Encode(c)}
	}
	rep := func(name, key string, r *pb.StockReply) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: replies, Key: key, Value: gokatest.Encode(r)}
	}
	// t1 waits for the reply to its debit of p1 at w1.
	debit := &pb.StockReply{CommandId: "t1/out", TransferId: "t1", ProductId: "p1", WarehouseId: "w1",
		Kind: pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT, Status: pb.ReplyStatus_REPLY_STATUS_OK, Quantity: 4, Requested: 4}
	with := func(f func(r *pb.StockReply)) *pb.StockReply {
		r := &pb.StockReply{}
		*r = pb.StockReply{CommandId: debit.CommandId, TransferId: debit.TransferId, ProductId: debit.ProductId, WarehouseId: debit.WarehouseId,
			Kind: debit.Kind, Status: debit.Status, Quantity: debit.Quantity, Requested: debit.Requested}
		f(r)
		return r
	}
	sameWarehouses := request(1)
	sameWarehouses.ToWarehouseId = "w1"
	noProduct := request(1)
	noProduct.ProductId = ""
	receive := &pb.TransferCommand{CommandId: "rc", TransferId: "t9", CorrelationId: "rc", Kind: &pb.TransferCommand_Receive{Receive: &pb.ReceiveTransfer{}}}
	redrive := &pb.TransferCommand{CommandId: "rd", TransferId: "t9", Kind: &pb.TransferCommand_Redrive{Redrive: &pb.RedriveTransfer{}}}
	goodID := func(i int) string { return "good-" + strconv.Itoa(i) }

	gokatest.PoisonSuite{
		Group: topics.TransfersGroup, Graph: transfers.Graph(), Table: topics.TransfersTable,
		Outputs: []goka.Stream{topics.Outcomes, topics.StockCommands, topics.TransferEvents},
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, cmds, "t1", transferCmd("t1", request(4)))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_command_bytes", Topic: cmds, Key: "t1", Value: []byte{0xff, 0xff}},
			cmd("a_command_without_kind", "t1", &pb.TransferCommand{CommandId: "c1", TransferId: "t1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: cmds, Key: "t1",
				Value: gokatest.WithUnknownField(gokatest.Encode(&pb.TransferCommand{CommandId: "c2", TransferId: "t1"}), 99)},
			cmd("a_request_of_nothing", "t2", transferCmd("t2", request(0))),
			cmd("a_request_without_a_product", "t2", transferCmd("t2", noProduct)),
			cmd("a_request_to_its_own_source", "t2", transferCmd("t2", sameWarehouses)),
			cmd("a_receipt_of_an_unknown_transfer", "t9", receive),
			cmd("a_redrive_of_an_unknown_transfer", "t9", redrive),
			cmd("a_command_on_another_transfers_key", "t1", transferCmd("t2", request(1))),
			{Name: "undecodable_reply_bytes", Topic: replies, Key: "t1", Value: []byte{0x0a, 0x05}},
			rep("a_reply_on_another_transfers_key", "t2", debit),
			rep("a_credit_reply_to_the_debit", "t1", with(func(r *pb.StockReply) { r.Kind = pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN })),
			rep("a_reply_of_an_unknown_kind", "t1", with(func(r *pb.StockReply) { r.Kind = pb.StockCommandKind(42) })),
			rep("a_reply_with_a_status_a_debit_cannot_have", "t1", with(func(r *pb.StockReply) { r.Status = pb.ReplyStatus_REPLY_STATUS_NO_HOLD })),
			rep("a_reply_with_an_unknown_status", "t1", with(func(r *pb.StockReply) { r.Status = pb.ReplyStatus(42) })),
			rep("a_reply_for_another_warehouse", "t1", with(func(r *pb.StockReply) { r.WarehouseId = "w7" })),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, cmds, goodID(i), transferCmd(goodID(i), request(1)))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if s, _ := gkt.TableValue(topics.TransfersTable, goodID(i)).(*pb.TransferState); s.GetTransfer().GetStatus() != pb.TransferStatus_TRANSFER_STATUS_REQUESTED {
				t.Errorf("the next command was not applied: %v", s)
			}
		},
	}.Run(t)
}
