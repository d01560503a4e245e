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
	t, err := s.existingTransfer(string(in.TransferID))
	if err != nil {
		return nil, err
	}
	return &transferOutput{Status: http.StatusOK, Location: "/transfers/" + t.GetId(), Body: transferJSON(t)}, nil
}

// listTransfers pages through transfers in id order, keeping those that
// match the filters.
func (s *server) listTransfers(_ context.Context, in *listTransfersInput) (*transferPage, error) {
	p, err := page(s.Views.Transfers, in.PageParams, func(st *pb.TransferState) (Transfer, bool) {
		t := st.GetTransfer()
		pid, wid := string(in.ProductID), string(in.WarehouseID)
		keep := (pid == "" || t.GetProductId() == pid) &&
			(wid == "" || t.GetFromWarehouseId() == wid || t.GetToWarehouseId() == wid) &&
			(in.Status == "" || transfers.StatusName(t.GetStatus()) == in.Status)
		return transferJSON(t), keep
	})
	return &transferPage{Body: p}, err
}

// receiveTransfer credits an in-transit transfer's destination and waits
// for the credit.
func (s *server) receiveTransfer(ctx context.Context, in *transferIDInput) (*transferOutput, error) {
	t, err := s.existingTransfer(string(in.TransferID))
	if err != nil {
		return nil, err
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
	done, err := apply(ctx, s, write{
		topic: topics.TransferCommands, key: t.GetId(), correlationID: t.GetId(), cmd: cmd,
		done: func(o *pb.Outcome) bool {
			return o.GetProblem() != nil || o.GetTransfer().GetStatus() == pb.TransferStatus_TRANSFER_STATUS_COMPLETED
		},
		view: s.Views.Transfers, viewKey: t.GetId(), location: "/transfers/" + t.GetId(),
	}, (*pb.Outcome).GetTransfer)
	if err != nil {
		return nil, err
	}
	return &transferOutput{Status: http.StatusOK, Location: "/transfers/" + done.GetId(), Body: transferJSON(done)}, nil
}
