package orders

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/processors/timer"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the orders processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.OrdersGroup,
		stream.Input(topics.OrdersGroup, topics.OrderCommands, onCommand),
		stream.Input(topics.OrdersGroup, topics.StockReplies, onReply),
		goka.Persist(schemas.OrderStateCodec),
		goka.Output(topics.StockCommands, schemas.StockCommandCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		goka.Output(topics.TimerCommands, schemas.TimerCommandCodec),
		goka.Output(topics.OrderEvents, schemas.OrderEventCodec),
		stream.DeadLetterOutput(),
	)
}

func onCommand(ctx goka.Context, cmd *pb.OrderCommand) error {
	if cmd.GetOrderId() != ctx.Key() {
		return stream.Errorf("order command for %q arrived on key %q", cmd.GetOrderId(), ctx.Key())
	}
	s, _ := ctx.Value().(*pb.OrderState)
	if replayed(ctx, s) {
		redrive(ctx, s)
		return nil
	}
	now := time.Now()
	if place := cmd.GetPlace(); place != nil {
		return onPlace(ctx, s, place, acceptedAt(cmd, now), now)
	}
	if s.GetOrder() == nil {
		// The API sends pay and cancel only for orders its view holds, and
		// the timer and reconciler only for orders that exist: poison.
		return stream.Reject(ctx, cmd.GetCorrelationId(),
			&pb.Problem{Code: pb.ErrorCode_ERROR_CODE_NOT_FOUND, Detail: "order " + cmd.GetOrderId() + " not found"},
			fmt.Errorf("order command %q for unknown order %q", cmd.GetCommandId(), cmd.GetOrderId()))
	}
	if cmd.GetRedrive() != nil {
		redrive(ctx, s)
		return nil
	}
	var eff Effects
	var err error
	seen := len(History(s))
	at := decidedAt(cmd, now)
	switch k := cmd.GetKind().(type) {
	case *pb.OrderCommand_Pay:
		eff, err = Pay(s, k.Pay.GetPaymentReference(), at)
	case *pb.OrderCommand_Cancel:
		eff, err = Cancel(s, k.Cancel.GetReason(), at)
	case *pb.OrderCommand_Expire:
		eff = Expire(s, at)
	default:
		return stream.Errorf("order command %q has no kind", cmd.GetCommandId())
	}
	if errors.Is(err, ErrWrongStatus) {
		problem(ctx, cmd.GetCorrelationId(), &pb.Problem{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Detail: err.Error()})
		return nil
	}
	apply(ctx, s, eff, cmd.GetCorrelationId(), seen)
	if eff.Changed && cmd.GetExpire() == nil { // paid or cancelled: its deadline is moot
		ctx.Emit(topics.TimerCommands, timer.Key(ctx.Key()), timer.CancelCommand(ctx.Key()))
	}
	return nil
}

// decidedAt is the time a pay, cancel or expire is decided at: when it was
// issued, on the clock of whoever issued it (the API, the scheduler), not
// when it is applied. A command applied again after a crash is then
// decided as it was the first time: a pay whose commits landed before the
// crash cannot be refused for lateness after it. A command without
// issued_at is decided at now.
func decidedAt(cmd *pb.OrderCommand, now time.Time) time.Time {
	if at := cmd.GetIssuedAtUnixMs(); at > 0 {
		return time.UnixMilli(at)
	}
	return now
}

// acceptedAt is when the API accepted the command (its issued_at, never
// later than now): an order's created_at. Its payment window starts when
// its stock is held, so expires_at counts from now.
func acceptedAt(cmd *pb.OrderCommand, now time.Time) time.Time {
	if at := cmd.GetIssuedAtUnixMs(); at > 0 && at < now.UnixMilli() {
		return time.UnixMilli(at)
	}
	return now
}

func onPlace(ctx goka.Context, s *pb.OrderState, place *pb.PlaceOrder, accepted, now time.Time) error {
	if s.GetOrder() != nil {
		// A retried place: answer again once decided; pending ones answer later.
		if s.GetOrder().GetStatus() != pb.OrderStatus_ORDER_STATUS_PENDING {
			publish(ctx, s.GetOrder(), ctx.Key())
		}
		return nil
	}
	next, eff, err := Place(ctx.Key(), place, now)
	if err != nil {
		return stream.Inapplicable(err)
	}
	next.Order.CreatedAtUnixMs = accepted.UnixMilli()
	if s != nil {
		// Replies that overtook this place while it was replayed after a
		// crash: apply them now that the order exists.
		next.AppliedOffsets = s.GetAppliedOffsets()
		for _, r := range s.GetEarlyReplies() {
			eff = merge(eff, OnReply(next, r, now))
		}
	}
	apply(ctx, next, eff, ctx.Key(), 0)
	return nil
}

func onReply(ctx goka.Context, r *pb.StockReply) error {
	if r.GetOrderId() != ctx.Key() {
		return stream.Errorf("stock reply for order %q arrived on key %q", r.GetOrderId(), ctx.Key())
	}
	s, _ := ctx.Value().(*pb.OrderState)
	if replayed(ctx, s) {
		redrive(ctx, s)
		return nil
	}
	if s.GetOrder() == nil {
		// The place that sent this command is being replayed after a
		// crash and has not stored the order yet: keep the reply for it.
		if s == nil {
			s = &pb.OrderState{}
		}
		s.EarlyReplies = append(s.EarlyReplies, r)
		apply(ctx, s, Effects{Changed: true}, "", 0)
		return nil
	}
	if err := CheckReply(s, r); err != nil {
		return stream.Inapplicable(err)
	}
	seen := len(History(s))
	apply(ctx, s, OnReply(s, r, time.Now()), ctx.Key(), seen)
	return nil
}

// apply stamps the transition's new commands with the input being applied,
// stores the state with that input's offset, and emits the effects and the
// order events the transition added (those past seen, the length of the
// order's History before it).
//
// A place decided by this transition (its correlation id is the order's)
// gets no outcome record: the state stored is the outcome, and the API
// waits for it on the orders changelog (outcomes.Waiters.OrderStored), one
// record fewer per order. A decision that stores nothing (a retried place
// of a decided order), every pay and cancel, and a place the saga cannot
// apply (a problem) still answer on outcomes.
func apply(ctx goka.Context, s *pb.OrderState, eff Effects, correlationID string, seen int) {
	source := stream.Source(ctx)
	for _, c := range eff.Commands {
		c.Source, c.SourceOffset = source, ctx.Offset()
	}
	if eff.Changed || len(eff.Commands) > 0 {
		if s.AppliedOffsets == nil {
			s.AppliedOffsets = map[string]int64{}
		}
		s.AppliedOffsets[string(ctx.Topic())] = ctx.Offset()
		ctx.SetValue(s)
	}
	emitCommands(ctx, eff.Commands)
	if eff.Schedule {
		scheduleExpiry(ctx, s.GetOrder())
	}
	if eff.Changed {
		emitEvents(ctx, Events(s, seen))
	}
	if eff.Publish && eff.Changed {
		metrics.OrdersFinished.WithLabelValues(StatusName(s.GetOrder().GetStatus())).Inc()
	}
	if eff.Publish && !(eff.Changed && correlationID == ctx.Key()) {
		publish(ctx, s.GetOrder(), correlationID)
	}
}

// replayed reports whether this message was applied before: Kafka
// redelivers the messages after the last committed offset when a processor
// restarts after a crash.
func replayed(ctx goka.Context, s *pb.OrderState) bool {
	applied, ok := s.GetAppliedOffsets()[string(ctx.Topic())]
	return ok && ctx.Offset() <= applied
}

// redrive sends again what the state says is outstanding, and the
// order's events (same ids: consumers deduplicate them).
func redrive(ctx goka.Context, s *pb.OrderState) {
	eff := Outstanding(s)
	slog.Debug("replayed message; re-sending outstanding commands", "order", ctx.Key(), "commands", len(eff.Commands))
	emitCommands(ctx, eff.Commands)
	if eff.Schedule {
		scheduleExpiry(ctx, s.GetOrder())
	}
	emitEvents(ctx, Events(s, 0))
	if eff.Publish {
		publish(ctx, s.GetOrder(), ctx.Key())
	}
}

// scheduleExpiry asks the timer processor to expire the order when due.
func scheduleExpiry(ctx goka.Context, o *pb.Order) {
	ctx.Emit(topics.TimerCommands, timer.Key(o.GetId()), timer.ScheduleCommand(o.GetId(), o.GetExpiresAtUnixMs()))
}

func emitCommands(ctx goka.Context, cmds []*pb.StockCommand) {
	for _, c := range cmds {
		ctx.Emit(topics.StockCommands, stock.Key(c.GetProductId(), c.GetWarehouseId()), c)
	}
}

// emitEvents publishes order events on order-events, keyed by order id.
func emitEvents(ctx goka.Context, events []*pb.OrderEvent) {
	for _, e := range events {
		ctx.Emit(topics.OrderEvents, e.GetOrderId(), e)
	}
}

func publish(ctx goka.Context, o *pb.Order, correlationID string) {
	if correlationID == "" {
		return // nobody waits (an expiry from the timer)
	}
	ctx.Emit(topics.Outcomes, correlationID, &pb.Outcome{CorrelationId: correlationID, Result: &pb.Outcome_Order{Order: o}})
}

func problem(ctx goka.Context, correlationID string, p *pb.Problem) {
	if correlationID == "" {
		return
	}
	ctx.Emit(topics.Outcomes, correlationID, &pb.Outcome{CorrelationId: correlationID, Result: &pb.Outcome_Problem{Problem: p}})
}
