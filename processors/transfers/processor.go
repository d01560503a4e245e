package transfers

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the transfers processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.TransfersGroup,
		stream.Input(topics.TransfersGroup, topics.TransferCommands, onCommand),
		stream.Input(topics.TransfersGroup, topics.TransferReplies, onReply),
		goka.Persist(schemas.TransferStateCodec),
		goka.Lookup(topics.WarehousesTable, schemas.WarehouseCodec),
		goka.Output(topics.StockCommands, schemas.StockCommandCodec),
		goka.Output(topics.TransferEvents, schemas.TransferEventCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

func onCommand(ctx goka.Context, cmd *pb.TransferCommand) error {
	if cmd.GetTransferId() != ctx.Key() {
		return stream.Errorf("transfer command for %q arrived on key %q", cmd.GetTransferId(), ctx.Key())
	}
	s, _ := ctx.Value().(*pb.TransferState)
	if replayed(ctx, s) {
		redrive(ctx, s, true)
		return nil
	}
	switch k := cmd.GetKind().(type) {
	case *pb.TransferCommand_Request:
		if s.GetTransfer() != nil {
			// A retried request: answer again once decided; a requested
			// one answers when it is.
			apply(ctx, s, Effects{Publish: s.GetTransfer().GetStatus() != pb.TransferStatus_TRANSFER_STATUS_REQUESTED})
			return nil
		}
		dest, _ := ctx.Lookup(topics.WarehousesTable, k.Request.GetToWarehouseId()).(*pb.Warehouse)
		next, eff, err := Request(ctx.Key(), k.Request, dest, stampOf(ctx), time.Now())
		if err != nil {
			return stream.Inapplicable(err)
		}
		next.AppliedOffsets = s.GetAppliedOffsets()
		apply(ctx, next, eff)
		// Replies that overtook this request while it was replayed after a
		// crash: apply them now that the transfer exists.
		for _, r := range s.GetEarlyReplies() {
			apply(ctx, next, OnReply(next, r, stampOf(ctx), time.Now()))
		}
	case *pb.TransferCommand_Receive:
		return onReceive(ctx, s, cmd)
	case *pb.TransferCommand_Redrive:
		if s.GetTransfer() == nil {
			// The reconciler re-drives only transfers its view holds.
			return stream.Errorf("redrive of unknown transfer %q", cmd.GetTransferId())
		}
		redrive(ctx, s, false)
	default:
		return stream.Errorf("transfer command %q has no kind", cmd.GetCommandId())
	}
	return nil
}

// onReceive credits an in-transit transfer's destination; refusals are
// answered on the command's correlation id.
func onReceive(ctx goka.Context, s *pb.TransferState, cmd *pb.TransferCommand) error {
	if s.GetTransfer() == nil {
		// The API receives only transfers its view holds: poison.
		return stream.Reject(ctx, cmd.GetCorrelationId(),
			&pb.Problem{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Detail: "transfer " + cmd.GetTransferId() + " not found"},
			fmt.Errorf("receipt %q of unknown transfer %q", cmd.GetCommandId(), cmd.GetTransferId()))
	}
	eff, err := Receive(s, stampOf(ctx), time.Now())
	if errors.Is(err, ErrNotInTransit) {
		problem(ctx, cmd.GetCorrelationId(), &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Detail: err.Error()})
		return nil
	}
	apply(ctx, s, eff)
	return nil
}

func problem(ctx goka.Context, correlationID string, p *pb.Problem) {
	if correlationID == "" {
		return
	}
	ctx.Emit(topics.Outcomes, correlationID, &pb.Outcome{CorrelationId: correlationID, Result: &pb.Outcome_Problem{Problem: p}})
}

func onReply(ctx goka.Context, r *pb.StockReply) error {
	if r.GetTransferId() != ctx.Key() {
		return stream.Errorf("transfer reply for %q arrived on key %q", r.GetTransferId(), ctx.Key())
	}
	s, _ := ctx.Value().(*pb.TransferState)
	if replayed(ctx, s) {
		redrive(ctx, s, true)
		return nil
	}
	if s.GetTransfer() == nil {
		// The request that sent this leg is being replayed after a crash
		// and has not stored the transfer yet: keep the reply for it.
		slog.Info("reply before its transfer; kept for the request", "transfer", ctx.Key(), "command", r.GetKind().String())
		if s == nil {
			s = &pb.TransferState{}
		}
		s.EarlyReplies = append(s.EarlyReplies, r)
		apply(ctx, s, Effects{Changed: true})
		return nil
	}
	if err := CheckReply(s, r); err != nil {
		return stream.Inapplicable(err)
	}
	apply(ctx, s, OnReply(s, r, stampOf(ctx), time.Now()))
	return nil
}

// stampOf names the input being processed: the stamp of every command the
// transition sends.
func stampOf(ctx goka.Context) Stamp {
	return Stamp{Source: string(ctx.Topic()) + "/" + strconv.Itoa(int(ctx.Partition())), Offset: ctx.Offset()}
}

// apply stores the state, with the offset of the message applied, and
// emits the transition's effects.
func apply(ctx goka.Context, s *pb.TransferState, eff Effects) {
	if eff.Changed {
		if s.AppliedOffsets == nil {
			s.AppliedOffsets = map[string]int64{}
		}
		s.AppliedOffsets[string(ctx.Topic())] = ctx.Offset()
		ctx.SetValue(s)
		if eff.Publish {
			metrics.TransfersFinished.WithLabelValues(StatusName(s.GetTransfer().GetStatus())).Inc()
		}
	}
	emit(ctx, s, eff)
}

func emit(ctx goka.Context, s *pb.TransferState, eff Effects) {
	t := s.GetTransfer()
	if c := eff.Command; c != nil {
		ctx.Emit(topics.StockCommands, stock.Key(c.GetProductId(), c.GetWarehouseId()), c)
	}
	if eff.Event != pb.TransferEventKind_TRANSFER_EVENT_KIND_UNSPECIFIED {
		ctx.Emit(topics.TransferEvents, t.GetId(), &pb.TransferEvent{
			EventId: t.GetId() + "#" + strconv.FormatInt(t.GetVersion(), 10),
			Kind:    eff.Event, Transfer: t, AtUnixMs: t.GetUpdatedAtUnixMs(),
		})
	}
	if eff.Publish {
		ctx.Emit(topics.Outcomes, t.GetId(), &pb.Outcome{CorrelationId: t.GetId(), Result: &pb.Outcome_Transfer{Transfer: t}})
	}
}

// replayed reports whether this message was applied before: Kafka
// redelivers the messages after the last committed offset when a processor
// restarts after a crash.
func replayed(ctx goka.Context, s *pb.TransferState) bool {
	applied, ok := s.GetAppliedOffsets()[string(ctx.Topic())]
	return ok && ctx.Offset() <= applied
}

// redrive sends again what the state says is outstanding; after a replay
// it also repeats the event the current version emitted, if any, which the
// crash may have lost (consumers deduplicate by event id).
func redrive(ctx goka.Context, s *pb.TransferState, replay bool) {
	if s.GetTransfer() == nil {
		return // only early replies: nothing was sent yet
	}
	eff := Outstanding(s)
	if replay {
		eff.Event = eventOf(s)
	}
	slog.Debug("re-sending what the transfer's state says is outstanding", "transfer", ctx.Key(), "replay", replay)
	emit(ctx, s, eff)
}

// eventOf is the event the transfer's current version emitted: requested
// at version 1, in transit once shipped, the decision once decided, none
// while a credit is in flight (sending it emits no event).
func eventOf(s *pb.TransferState) pb.TransferEventKind {
	t := s.GetTransfer()
	switch {
	case t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT && s.GetOutstanding() == nil:
		return pb.TransferEventKind_TRANSFER_EVENT_KIND_IN_TRANSIT
	case t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_COMPLETED:
		return pb.TransferEventKind_TRANSFER_EVENT_KIND_COMPLETED
	case t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_REJECTED:
		return pb.TransferEventKind_TRANSFER_EVENT_KIND_REJECTED
	case t.GetVersion() == 1:
		return pb.TransferEventKind_TRANSFER_EVENT_KIND_REQUESTED
	}
	return pb.TransferEventKind_TRANSFER_EVENT_KIND_UNSPECIFIED
}
