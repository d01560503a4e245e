// Package timer holds reservation deadlines durably in Kafka and sends
// ExpireOrder when one passes. Deadlines are keyed by their due second, so
// firing a second reads only that second's deadlines: a million pending
// deadlines cost nothing until they are due. A Ticker sends a Tick for every
// elapsed second (and again for the last few, and for any missed while it
// was down); a deadline that is already due when scheduled fires at once.
package timer

import (
	"slices"
	"strconv"
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
		goka.Persist(schemas.TimerBucketCodec),
		goka.Output(topics.OrderCommands, schemas.OrderCommandCodec),
		stream.DeadLetterOutput(),
	)
}

// Bucket is the timer-commands key of a deadline: the first whole second at
// or after it, so a bucket fires only once all its deadlines have passed.
func Bucket(due time.Time) string {
	sec := due.Unix()
	if due.Nanosecond() > 0 {
		sec++
	}
	return strconv.FormatInt(sec, 10)
}

// Schedule adds a deadline to its bucket (once per order). A deadline that
// is already due is returned to fire now instead.
func Schedule(b *pb.TimerBucket, s *pb.ScheduleExpiry, now time.Time) (*pb.TimerBucket, []*pb.ScheduleExpiry) {
	if s.GetDueUnixMs() <= now.UnixMilli() {
		return b, []*pb.ScheduleExpiry{s}
	}
	if b == nil {
		b = &pb.TimerBucket{}
	}
	if !slices.ContainsFunc(b.Pending, func(p *pb.ScheduleExpiry) bool { return p.GetOrderId() == s.GetOrderId() }) {
		b.Pending = append(b.Pending, s)
	}
	return b, nil
}

// ExpireCommand is what a fired deadline sends to the order saga.
func ExpireCommand(s *pb.ScheduleExpiry) *pb.OrderCommand {
	return &pb.OrderCommand{
		CommandId: "expire/" + s.GetOrderId(), OrderId: s.GetOrderId(), IssuedAtUnixMs: time.Now().UnixMilli(),
		Kind: &pb.OrderCommand_Expire{Expire: &pb.ExpireOrder{}},
	}
}

func onCommand(ctx goka.Context, cmd *pb.TimerCommand) error {
	if _, err := strconv.ParseInt(ctx.Key(), 10, 64); err != nil {
		return stream.Errorf("timer key %q is not a Unix second", ctx.Key())
	}
	b, _ := ctx.Value().(*pb.TimerBucket)
	var due []*pb.ScheduleExpiry
	switch k := cmd.GetKind().(type) {
	case *pb.TimerCommand_Schedule:
		var next *pb.TimerBucket
		next, due = Schedule(b, k.Schedule, time.Now())
		if len(due) == 0 {
			ctx.SetValue(next)
		}
	case *pb.TimerCommand_Tick:
		if b == nil {
			return nil
		}
		due = b.GetPending()
		// The expire commands are emitted before the delete is committed:
		// a crash in between fires them again, which the saga ignores.
		ctx.Delete()
	default:
		return stream.Errorf("timer command has no kind")
	}
	for _, d := range due {
		ctx.Emit(topics.OrderCommands, d.GetOrderId(), ExpireCommand(d))
	}
	return nil
}
