package stock

import (
	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// applyTransfer runs a transfer leg (TransferOut or TransferIn) against the
// level, stores it, and answers the transfers saga on transfer-replies.
// The legs are deduplicated by their saga stamp, so a replayed command is
// run the same way: it finds its stamp applied and repeats its answer.
func applyTransfer(ctx goka.Context, cmd *pb.StockCommand, level *pb.StockLevel) error {
	var (
		v                   Verdict
		err                 error
		command, transferID string
		qty                 int64
	)
	leg := TransferOut
	switch k := cmd.GetKind().(type) {
	case *pb.StockCommand_TransferOut:
		command, transferID, qty = "transfer_out", k.TransferOut.GetTransferId(), k.TransferOut.GetQuantity()
	case *pb.StockCommand_TransferIn:
		command, transferID, qty, leg = "transfer_in", k.TransferIn.GetTransferId(), k.TransferIn.GetQuantity(), TransferIn
	}
	if transferID == "" {
		return stream.Errorf("%s command %q has no transfer id", command, cmd.GetCommandId())
	}
	if v, err = leg(level, transferID, qty, StampOf(cmd)); err != nil {
		return stream.Errorf("%w", err)
	}
	record(ctx, cmd, level, v)
	metrics.StockDecisions.WithLabelValues(command, v.Status.String()).Inc()
	ctx.Emit(topics.TransferReplies, transferID, &pb.StockReply{
		CommandId:   cmd.GetCommandId(),
		TransferId:  transferID,
		ProductId:   level.GetProductId(),
		WarehouseId: level.GetWarehouseId(),
		Status:      v.Status,
		Command:     command,
		Requested:   qty,
		Quantity:    v.Quantity,
		Available:   Available(level),
	})
	return nil
}
