package timer

import (
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the timer processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.TimerGroup,
		stream.Input(topics.TimerGroup, topics.TimerCommands, onCommand),
		goka.Persist(schemas.TimerDeadlineCodec),
		stream.DeadLetterOutput(),
	)
}

// Key is the timer-commands (and timer table) key of an order's deadline:
// the order id.
func Key(orderID string) string { return orderID }

// ScheduleCommand asks the timer to expire the order at dueUnixMs.
func ScheduleCommand(orderID string, dueUnixMs int64) *pb.TimerCommand {
	return &pb.TimerCommand{Kind: &pb.TimerCommand_Schedule{
		Schedule: &pb.ScheduleExpiry{OrderId: orderID, DueUnixMs: dueUnixMs}}}
}

// CancelCommand deletes the order's deadline, for an order paid or
// cancelled before it (an expiry would change nothing, and the scheduler's
// heap need not carry it).
func CancelCommand(orderID string) *pb.TimerCommand {
	return &pb.TimerCommand{Kind: &pb.TimerCommand_Cancel{Cancel: &pb.CancelExpiry{OrderId: orderID}}}
}

// FiredCommand tells the timer that ExpireOrder was sent for the deadline
// due at dueUnixMs, so that it deletes it.
func FiredCommand(orderID string, dueUnixMs int64) *pb.TimerCommand {
	return &pb.TimerCommand{Kind: &pb.TimerCommand_Fired{
		Fired: &pb.FiredExpiry{OrderId: orderID, DueUnixMs: dueUnixMs}}}
}

// ExpireCommand is what a fired deadline sends to the order saga.
func ExpireCommand(orderID string, now time.Time) *pb.OrderCommand {
	return &pb.OrderCommand{
		CommandId: "expire/" + orderID, OrderId: orderID, IssuedAtUnixMs: now.UnixMilli(),
		Kind: &pb.OrderCommand_Expire{Expire: &pb.ExpireOrder{}},
	}
}

// Apply is the timer's rule: the order's deadline after cmd, and whether
// it changed. Scheduling the stored deadline again changes nothing; a
// FiredExpiry deletes the deadline only if it is not later than the one
// fired (a deadline moved later survives a late fire); a cancel deletes it.
func Apply(d *pb.TimerDeadline, cmd *pb.TimerCommand) (next *pb.TimerDeadline, changed bool, err error) {
	switch k := cmd.GetKind().(type) {
	case *pb.TimerCommand_Schedule:
		if k.Schedule.GetDueUnixMs() <= 0 {
			return d, false, stream.Errorf("schedule for order %q has no due time", k.Schedule.GetOrderId())
		}
		if d != nil && d.GetDueUnixMs() == k.Schedule.GetDueUnixMs() {
			return d, false, nil
		}
		return &pb.TimerDeadline{OrderId: k.Schedule.GetOrderId(), DueUnixMs: k.Schedule.GetDueUnixMs()}, true, nil
	case *pb.TimerCommand_Fired:
		if d == nil || d.GetDueUnixMs() > k.Fired.GetDueUnixMs() {
			return d, false, nil
		}
		return nil, true, nil
	case *pb.TimerCommand_Cancel:
		return nil, d != nil, nil
	default:
		return d, false, stream.Errorf("timer command has no kind")
	}
}

// orderID is the order a command is about.
func orderID(cmd *pb.TimerCommand) string {
	switch k := cmd.GetKind().(type) {
	case *pb.TimerCommand_Schedule:
		return k.Schedule.GetOrderId()
	case *pb.TimerCommand_Fired:
		return k.Fired.GetOrderId()
	case *pb.TimerCommand_Cancel:
		return k.Cancel.GetOrderId()
	}
	return ""
}

func onCommand(ctx goka.Context, cmd *pb.TimerCommand) error {
	if id := orderID(cmd); id == "" || Key(id) != ctx.Key() {
		return stream.Errorf("timer command for order %q arrived on key %q", id, ctx.Key())
	}
	d, _ := ctx.Value().(*pb.TimerDeadline)
	next, changed, err := Apply(d, cmd)
	switch {
	case err != nil:
		return err
	case !changed:
	case next == nil:
		ctx.Delete()
	default:
		ctx.SetValue(next)
	}
	return nil
}
