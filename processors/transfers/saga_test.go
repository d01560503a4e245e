package transfers_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

const (
	requested = pb.TransferStatus_TRANSFER_STATUS_REQUESTED
	completed = pb.TransferStatus_TRANSFER_STATUS_COMPLETED
	rejected  = pb.TransferStatus_TRANSFER_STATUS_REJECTED
	inTransit = pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT
	ok        = pb.ReplyStatus_REPLY_STATUS_OK
	short     = pb.ReplyStatus_REPLY_STATUS_INSUFFICIENT
)

var (
	requestStamp = transfers.Stamp{Source: "transfer-commands/3", Offset: 41}
	replyStamp   = transfers.Stamp{Source: "transfer-replies/3", Offset: 97}
)

func request(qty int64) *pb.RequestTransfer {
	return &pb.RequestTransfer{ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w2", Quantity: qty, Reason: "rebalance"}
}

func active(id string) *pb.Warehouse {
	return &pb.Warehouse{Id: id, Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE}
}

// answer is the stock processor's reply to cmd.
func answer(cmd *pb.StockCommand, status pb.ReplyStatus, qty int64) *pb.StockReply {
	r := &pb.StockReply{CommandId: cmd.GetCommandId(), TransferId: "t1", ProductId: cmd.GetProductId(), WarehouseId: cmd.GetWarehouseId(), Status: status, Quantity: qty}
	r.Kind = pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_IN
	if cmd.GetTransferOut() != nil {
		r.Kind = pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT
	}
	return r
}

func mustRequest(t *testing.T, qty int64) (*pb.TransferState, transfers.Effects) {
	t.Helper()
	s, eff, err := transfers.Request("t1", request(qty), active("w2"), requestStamp, now)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	return s, eff
}

func TestRequestDebitsTheSourceWithTheRequestsStamp(t *testing.T) {
	t.Parallel()
	s, eff := mustRequest(t, 4)
	c := eff.Command
	if c.GetWarehouseId() != "w1" || c.GetTransferOut().GetQuantity() != 4 || c.GetTransferOut().GetTransferId() != "t1" {
		t.Fatalf("first command %v, want transfer_out 4 from w1", c)
	}
	if c.GetSource() != requestStamp.Source || c.GetSourceOffset() != requestStamp.Offset {
		t.Fatalf("stamp %s@%d, want the request's %v", c.GetSource(), c.GetSourceOffset(), requestStamp)
	}
	if !proto.Equal(s.GetOutstanding(), c) || !eff.Changed || eff.Publish || eff.Event != pb.TransferEventKind_TRANSFER_EVENT_KIND_REQUESTED {
		t.Fatalf("effects %+v, state %v: want the debit stored as outstanding and a requested event", eff, s)
	}
	if s.GetTransfer().GetStatus() != requested {
		t.Fatalf("status %v, want requested", s.GetTransfer().GetStatus())
	}
}

func TestSaga(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a_confirmed_debit_sends_the_credit_then_its_reply_completes", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			eff = transfers.OnReply(s, answer(eff.Command, ok, 4), replyStamp, now)
			c := eff.Command
			if c.GetWarehouseId() != "w2" || c.GetTransferIn().GetQuantity() != 4 || c.GetSource() != replyStamp.Source || c.GetSourceOffset() != replyStamp.Offset {
				t.Fatalf("after the debit sent %v, want transfer_in 4 to w2 stamped by the reply", c)
			}
			if s.GetTransfer().GetStatus() != requested || s.GetTransfer().GetDebitedAtUnixMs() == 0 || eff.Publish {
				t.Fatalf("after the debit: %v %+v, want requested, debited, unpublished", s.GetTransfer(), eff)
			}
			eff = transfers.OnReply(s, answer(c, ok, 4), transfers.Stamp{Source: "transfer-replies/3", Offset: 98}, now)
			if s.GetTransfer().GetStatus() != completed || eff.Command != nil || !eff.Publish || eff.Event != pb.TransferEventKind_TRANSFER_EVENT_KIND_COMPLETED || s.GetOutstanding() != nil {
				t.Fatalf("after the credit: %v %+v, want completed and published", s, eff)
			}
		}},
		{"a_refused_debit_rejects_naming_quantity_and_the_available_stock", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			eff = transfers.OnReply(s, answer(eff.Command, short, 3), replyStamp, now)
			p := s.GetTransfer().GetProblem()
			if s.GetTransfer().GetStatus() != rejected || eff.Command != nil || !eff.Publish || eff.Event != pb.TransferEventKind_TRANSFER_EVENT_KIND_REJECTED {
				t.Fatalf("%v %+v, want rejected, published, nothing sent", s.GetTransfer(), eff)
			}
			if p.GetCode() != pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK || p.GetField() != "quantity" || !strings.Contains(p.GetDetail(), "3 available") {
				t.Fatalf("problem %v, want insufficient stock on quantity with 3 available", p)
			}
		}},
		{"a_duplicate_debit_reply_sends_nothing_more", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			debit := eff.Command
			transfers.OnReply(s, answer(debit, ok, 4), replyStamp, now)
			if again := transfers.OnReply(s, answer(debit, ok, 4), replyStamp, now); again.Command != nil || again.Changed {
				t.Fatalf("duplicate debit reply gave %+v, want nothing", again)
			}
		}},
		{"a_late_refusal_after_the_debit_cannot_reject_a_debited_transfer", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			debit := eff.Command
			transfers.OnReply(s, answer(debit, ok, 4), replyStamp, now)
			transfers.OnReply(s, answer(debit, short, 0), replyStamp, now)
			if s.GetTransfer().GetStatus() != requested || s.GetOutstanding().GetTransferIn() == nil {
				t.Fatalf("state %v, want the credit still outstanding", s)
			}
		}},
		{"a_replay_re_sends_the_outstanding_command_byte_identical", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			transfers.OnReply(s, answer(eff.Command, ok, 4), replyStamp, now)
			first, _ := proto.Marshal(s.GetOutstanding())
			// The state survives a crash through its codec.
			raw, _ := proto.Marshal(s)
			restored := &pb.TransferState{}
			if err := proto.Unmarshal(raw, restored); err != nil {
				t.Fatal(err)
			}
			again, _ := proto.Marshal(transfers.Outstanding(restored).Command)
			if string(first) != string(again) {
				t.Fatalf("re-sent credit differs from the first send")
			}
		}},
		{"a_decided_transfer_publishes_again_and_sends_nothing", func(t *testing.T) {
			s, eff := mustRequest(t, 4)
			transfers.OnReply(s, answer(eff.Command, short, 0), replyStamp, now)
			if eff := transfers.Outstanding(s); eff.Command != nil || !eff.Publish {
				t.Fatalf("outstanding %+v, want publish only", eff)
			}
		}},
		{"a_transfer_into_an_inactive_warehouse_is_rejected_without_a_debit", func(t *testing.T) {
			inactive := &pb.Warehouse{Id: "w2", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE}
			s, eff, err := transfers.Request("t1", request(4), inactive, requestStamp, now)
			if err != nil {
				t.Fatal(err)
			}
			p := s.GetTransfer().GetProblem()
			if s.GetTransfer().GetStatus() != rejected || eff.Command != nil || p.GetField() != "to_warehouse_id" || !strings.Contains(p.GetDetail(), "inactive") {
				t.Fatalf("%v %+v, want rejected on to_warehouse_id, nothing sent", s.GetTransfer(), eff)
			}
		}},
		{"a_transfer_out_of_an_inactive_warehouse_is_debited", func(t *testing.T) {
			s, eff, err := transfers.Request("t1", request(4), nil, requestStamp, now)
			if err != nil || eff.Command.GetTransferOut() == nil || s.GetTransfer().GetStatus() != requested {
				t.Fatalf("request with an unknown destination view: %v %+v", err, eff)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

func TestInvalidRequestsAreRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    *pb.RequestTransfer
	}{
		{"zero_quantity", &pb.RequestTransfer{ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w2"}},
		{"same_source_and_destination", &pb.RequestTransfer{ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w1", Quantity: 1}},
		{"no_product", &pb.RequestTransfer{FromWarehouseId: "w1", ToWarehouseId: "w2", Quantity: 1}},
	}
	for _, c := range cases {
		if _, _, err := transfers.Request("t1", c.r, nil, requestStamp, now); !errors.Is(err, transfers.ErrInvalidTransfer) {
			t.Errorf("%s: error %v, want ErrInvalidTransfer", c.name, err)
		}
	}
}

func TestNeedsRedrive(t *testing.T) {
	t.Parallel()
	state := func(status pb.TransferStatus, updated time.Time, outstanding bool) *pb.TransferState {
		s := &pb.TransferState{Transfer: &pb.Transfer{Status: status, UpdatedAtUnixMs: updated.UnixMilli()}}
		if outstanding {
			s.Outstanding = &pb.StockCommand{CommandId: "t1/out"}
		}
		return s
	}
	old := now.Add(-time.Minute)
	cases := []struct {
		name string
		s    *pb.TransferState
		want bool
	}{
		{"a_fresh_requested_transfer_is_left_alone", state(requested, now, true), false},
		{"a_transfer_requested_a_minute_ago_is_redriven", state(requested, old, true), true},
		{"a_transfer_in_transit_for_a_day_waits_for_its_goods", state(inTransit, old, false), false},
		{"a_received_transfer_whose_credit_is_stuck_is_redriven", state(inTransit, old, true), true},
		{"a_completed_transfer_is_done", state(completed, old, false), false},
		{"a_rejected_transfer_is_done", state(rejected, old, false), false},
	}
	for _, c := range cases {
		if got := transfers.NeedsRedrive(c.s, now, 30*time.Second); got != c.want {
			t.Errorf("%s: NeedsRedrive = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestInTransit(t *testing.T) {
	t.Parallel()
	ship := func(t *testing.T) (*pb.TransferState, *pb.StockCommand) {
		t.Helper()
		r := request(4)
		r.InTransit = true
		s, eff, err := transfers.Request("t1", r, active("w2"), requestStamp, now)
		if err != nil {
			t.Fatal(err)
		}
		return s, eff.Command
	}
	receiptStamp := transfers.Stamp{Source: "transfer-commands/3", Offset: 60}
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a_confirmed_debit_ships_the_transfer_and_waits_for_its_goods", func(t *testing.T) {
			s, debit := ship(t)
			eff := transfers.OnReply(s, answer(debit, ok, 4), replyStamp, now)
			if s.GetTransfer().GetStatus() != inTransit || eff.Command != nil || !eff.Publish || eff.Event != pb.TransferEventKind_TRANSFER_EVENT_KIND_IN_TRANSIT || s.GetOutstanding() != nil {
				t.Fatalf("%v %+v, want in transit, published, nothing sent", s, eff)
			}
			if again := transfers.Outstanding(s); again.Command != nil || !again.Publish {
				t.Fatalf("outstanding in transit %+v, want publish only", again)
			}
		}},
		{"receiving_sends_the_credit_stamped_by_the_receipt_then_completes", func(t *testing.T) {
			s, debit := ship(t)
			transfers.OnReply(s, answer(debit, ok, 4), replyStamp, now)
			eff, err := transfers.Receive(s, receiptStamp, now)
			c := eff.Command
			if err != nil || c.GetTransferIn().GetQuantity() != 4 || c.GetWarehouseId() != "w2" || c.GetSourceOffset() != receiptStamp.Offset || s.GetTransfer().GetReceivedAtUnixMs() == 0 {
				t.Fatalf("receive: %v %v, want a credit of 4 to w2 stamped by the receipt", err, c)
			}
			if again, err := transfers.Receive(s, transfers.Stamp{Source: "transfer-commands/3", Offset: 61}, now); err != nil || again.Command != nil {
				t.Fatalf("second receipt: %v %+v, want nothing sent", err, again)
			}
			transfers.OnReply(s, answer(c, ok, 4), replyStamp, now)
			if s.GetTransfer().GetStatus() != completed {
				t.Fatalf("status %v, want completed", s.GetTransfer().GetStatus())
			}
			if again, err := transfers.Receive(s, receiptStamp, now); err != nil || !again.Publish || again.Command != nil {
				t.Fatalf("receipt of a completed transfer: %v %+v, want it published again", err, again)
			}
		}},
		{"a_transfer_not_yet_debited_cannot_be_received", func(t *testing.T) {
			s, _ := ship(t)
			if _, err := transfers.Receive(s, receiptStamp, now); !errors.Is(err, transfers.ErrNotInTransit) {
				t.Fatalf("error %v, want ErrNotInTransit", err)
			}
		}},
		{"a_rejected_transfer_cannot_be_received", func(t *testing.T) {
			s, debit := ship(t)
			transfers.OnReply(s, answer(debit, short, 1), replyStamp, now)
			if _, err := transfers.Receive(s, receiptStamp, now); !errors.Is(err, transfers.ErrNotInTransit) {
				t.Fatalf("error %v, want ErrNotInTransit", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}
