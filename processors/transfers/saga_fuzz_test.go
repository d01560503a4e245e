package transfers_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/fuzzinput"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// transferMoves is the transfer lifecycle: the statuses each status may move to.
var transferMoves = map[pb.TransferStatus][]pb.TransferStatus{
	pb.TransferStatus_TRANSFER_STATUS_REQUESTED:  {pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT, pb.TransferStatus_TRANSFER_STATUS_COMPLETED, pb.TransferStatus_TRANSFER_STATUS_REJECTED},
	pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT: {pb.TransferStatus_TRANSFER_STATUS_COMPLETED},
}

func legalMove(from, to pb.TransferStatus) bool {
	if from == to {
		return true
	}
	for _, s := range transferMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// moved counts what the stock rules debited and credited for the transfer.
type moved struct{ out, in int64 }

// deliver applies a leg to its level as the stock processor does (a stamp
// applied before is a re-send: no change, no reply) and returns the reply.
func deliver(levels map[string]*pb.StockLevel, c *pb.StockCommand, m *moved) *pb.StockReply {
	l := levels[c.GetWarehouseId()]
	if stock.Resent(l, c.GetSource(), c.GetSourceOffset()) {
		return nil
	}
	var v stock.Verdict
	var err error
	kind := stock.KindOf(c)
	if out := c.GetTransferOut(); out != nil {
		v, err = stock.TransferOut(l, out.GetTransferId(), out.GetQuantity())
	} else {
		v, err = stock.TransferIn(l, c.GetTransferIn().GetTransferId(), c.GetTransferIn().GetQuantity())
	}
	if err != nil {
		return nil // dead-lettered
	}
	stock.MarkApplied(l, c.GetSource(), c.GetSourceOffset())
	if v.Movement != nil {
		if kind == pb.StockCommandKind_STOCK_COMMAND_KIND_TRANSFER_OUT {
			m.out += v.Quantity
		} else {
			m.in += v.Quantity
		}
	}
	return &pb.StockReply{CommandId: c.GetCommandId(), TransferId: "t1", ProductId: c.GetProductId(), WarehouseId: c.GetWarehouseId(),
		Status: v.Status, Kind: kind, Quantity: v.Quantity}
}

// FuzzTransferSaga requests a transfer of any quantity between two levels
// holding any stock, then delivers its legs to the real stock rules and
// their replies back, in any order, repeated, re-driven, received, with
// now and then a reply that matches nothing or does not match its leg (as
// the processor would: CheckReply refuses it). After every step the
// status moved only forward, a debited transfer is never rejected, at most
// one credit (one stamp) is ever sent, and stock is conserved: source plus
// destination plus what is in transit equals what there was.
func FuzzTransferSaga(f *testing.F) {
	f.Add([]byte{26, 130, 0, 0, 1, 0, 1})            // debit, reply, credit, reply
	f.Add([]byte{90, 10, 1, 0, 0, 1, 1, 2, 3, 0, 1}) // short source: rejected, repeats
	f.Add([]byte{26, 130, 1, 0, 1, 3, 3, 0, 1, 1})   // in transit, received twice
	f.Add([]byte{26, 130, 0, 2, 0, 2, 1, 1, 4, 1})   // redrives and a stray reply
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzinput.New(data)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		req := &pb.RequestTransfer{ProductId: "p1", FromWarehouseId: "w1", ToWarehouseId: "w2", Quantity: r.Quantity()}
		levels := map[string]*pb.StockLevel{
			"w1": {ProductId: "p1", WarehouseId: "w1", OnHand: max(0, r.Quantity())},
			"w2": {ProductId: "p1", WarehouseId: "w2"},
		}
		levels["w1"].Reserved = min(levels["w1"].OnHand, max(0, r.Quantity()))
		req.InTransit = r.Next()%2 == 1
		var dest *pb.Warehouse
		if r.Next()%8 == 0 {
			dest = &pb.Warehouse{Id: "w2", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE}
		}
		total := levels["w1"].OnHand
		offset := int64(0)
		stamp := func(source string) transfers.Stamp { offset++; return transfers.Stamp{Source: source, Offset: offset} }
		s, eff, err := transfers.Request("t1", req, dest, stamp("transfer-commands/0"), now)
		if err != nil {
			return // dead-lettered
		}
		var (
			inFlight []*pb.StockCommand // sent, not yet delivered
			replies  []*pb.StockReply
			credits  = map[string]bool{}
			debited  bool
			legs     moved
		)
		send := func(e transfers.Effects) {
			if c := e.Command; c != nil {
				inFlight = append(inFlight, proto.Clone(c).(*pb.StockCommand))
				if c.GetTransferIn() != nil {
					credits[fmt.Sprint(c.GetSource(), "/", c.GetSourceOffset())] = true
				}
			}
		}
		send(eff)
		for n := 0; r.More() && n < 200; n++ {
			before := s.GetTransfer().GetStatus()
			switch r.Next() % 5 {
			case 0: // the stock processor applies a leg in flight
				if len(inFlight) == 0 {
					continue
				}
				i := int(r.Next()) % len(inFlight)
				if reply := deliver(levels, inFlight[i], &legs); reply != nil {
					replies = append(replies, reply)
				}
				inFlight = append(inFlight[:i], inFlight[i+1:]...)
			case 1: // the saga gets a reply, perhaps again
				if len(replies) == 0 {
					continue
				}
				reply := proto.Clone(replies[int(r.Next())%len(replies)]).(*pb.StockReply)
				switch r.Next() % 8 {
				case 0:
					reply.Status = pb.ReplyStatus(r.Next() % 5)
				case 1:
					reply.Kind = pb.StockCommandKind(r.Next() % 8)
				case 2:
					reply.CommandId = "t1/other"
				}
				if transfers.CheckReply(s, reply) != nil {
					continue // dead-lettered
				}
				send(transfers.OnReply(s, reply, stamp("transfer-replies/0"), now))
			case 2: // the reconciler re-drives
				send(transfers.Outstanding(s))
			case 3: // the goods arrive
				e, _ := transfers.Receive(s, stamp("transfer-commands/0"), now)
				send(e)
			case 4: // a leg is lost
				if len(inFlight) > 0 {
					inFlight = inFlight[1:]
				}
			}
			tr := s.GetTransfer()
			after := tr.GetStatus()
			if !legalMove(before, after) {
				t.Fatalf("illegal move %v -> %v", before, after)
			}
			debited = debited || tr.GetDebitedAtUnixMs() > 0
			if debited && after == pb.TransferStatus_TRANSFER_STATUS_REJECTED {
				t.Fatal("a debited transfer was rejected")
			}
			if len(credits) > 1 {
				t.Fatalf("%d different credits sent", len(credits))
			}
			for _, l := range levels {
				if err := stock.CheckInvariants(l); err != nil {
					t.Fatalf("%s: %v", l.GetWarehouseId(), err)
				}
			}
			if legs.in > legs.out || legs.out > tr.GetQuantity() {
				t.Fatalf("debited %d and credited %d for a transfer of %d", legs.out, legs.in, tr.GetQuantity())
			}
			switch {
			case after == pb.TransferStatus_TRANSFER_STATUS_COMPLETED && (legs.out != tr.GetQuantity() || legs.in != legs.out):
				t.Fatalf("completed with %d debited and %d credited of %d", legs.out, legs.in, tr.GetQuantity())
			case after == pb.TransferStatus_TRANSFER_STATUS_REJECTED && legs.out != 0:
				t.Fatalf("rejected after %d was debited", legs.out)
			}
			// What left the source and has not reached the destination is in transit.
			if got := levels["w1"].GetOnHand() + levels["w2"].GetOnHand() + legs.out - legs.in; got != total {
				t.Fatalf("stock not conserved: %d + %d + %d in transit, want %d", levels["w1"].GetOnHand(), levels["w2"].GetOnHand(), legs.out-legs.in, total)
			}
		}
	})
}
