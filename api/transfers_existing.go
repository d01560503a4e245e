package api

// Operations on existing transfers: read one, list them, receive one in
// transit. Creating them is in transfers.go.

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func (s *server) getTransfer(_ context.Context, in *transferIDInput) (*transferOutput, error) {
	t, ok, err := s.transfer(in.TransferID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("transfer", in.TransferID, "path.transferId")
	}
	return &transferOutput{Status: http.StatusOK, Location: "/transfers/" + t.GetId(), Body: transferJSON(t)}, nil
}

// listTransfers pages through transfers in id order, keeping those that
// match the filters.
func (s *server) listTransfers(_ context.Context, in *listTransfersInput) (*transferPage, error) {
	p, err := page(s.Views.Transfers, in.PageParams, func(st *pb.TransferState) (Transfer, bool) {
		t := st.GetTransfer()
		keep := (in.ProductID == "" || t.GetProductId() == in.ProductID) &&
			(in.WarehouseID == "" || t.GetFromWarehouseId() == in.WarehouseID || t.GetToWarehouseId() == in.WarehouseID) &&
			(in.Status == "" || transfers.StatusName(t.GetStatus()) == in.Status)
		return transferJSON(t), keep
	})
	return &transferPage{Body: p}, err
}

// receiveTransfer credits an in-transit transfer's destination and waits
// for the credit.
func (s *server) receiveTransfer(ctx context.Context, in *transferIDInput) (*transferOutput, error) {
	t, ok, err := s.transfer(in.TransferID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("transfer", in.TransferID, "path.transferId")
	}
	switch t.GetStatus() {
	case pb.TransferStatus_TRANSFER_STATUS_COMPLETED:
		return &transferOutput{Status: http.StatusOK, Location: "/transfers/" + t.GetId(), Body: transferJSON(t)}, nil
	case pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT:
	default:
		msg := fmt.Sprintf("transfer %s is %s: only a transfer in transit can be received", t.GetId(), transfers.StatusName(t.GetStatus()))
		return nil, fieldError(http.StatusConflict, msg, "path.transferId", t.GetId())
	}
	// Outcomes of a transfer, refusals included, answer on its id.
	cmd := &pb.TransferCommand{
		CommandId: newID("", ""), TransferId: t.GetId(), CorrelationId: t.GetId(), IssuedAtUnixMs: nowMs(),
		Kind: &pb.TransferCommand_Receive{Receive: &pb.ReceiveTransfer{}},
	}
	o, err := s.request(ctx, topics.TransferCommands, t.GetId(), t.GetId(), cmd, func(o *pb.Outcome) bool {
		return o.GetProblem() != nil || o.GetTransfer().GetStatus() == pb.TransferStatus_TRANSFER_STATUS_COMPLETED
	})
	if err != nil {
		return nil, pendingAsAccepted(err, "/transfers/"+t.GetId())
	}
	done := o.GetTransfer()
	if done == nil {
		return nil, unexpectedOutcome(o)
	}
	s.awaitTransfer(ctx, done.GetId(), done.GetVersion())
	return &transferOutput{Status: http.StatusOK, Location: "/transfers/" + done.GetId(), Body: transferJSON(done)}, nil
}
