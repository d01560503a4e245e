// Package timer holds reservation deadlines durably in Kafka and sends
// ExpireOrder when one passes. Deadlines are keyed by their due second (and
// one of Shards shards of it, so that a busy second's list stays short), so
// firing a second reads only that second's deadlines: a million pending
// deadlines cost nothing until they are due. A Ticker sends a Tick for every
// elapsed second (and again for the last few, and for any missed while it
// was down); a deadline that is already due when scheduled fires at once.
package timer

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
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

// Shards splits each second's deadlines so that a bucket's value, rewritten
// on every schedule, stays small at thousands of orders per second.
const Shards = 16

// Key is the timer-commands key of an order's deadline: "<second>.<shard>",
// where second is the first whole second at or after the deadline (a bucket
// fires only once all its deadlines have passed).
func Key(due time.Time, orderID string) string {
	sec := due.Unix()
	if due.Nanosecond() > 0 {
		sec++
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(orderID))
	return bucketKey(sec, int(h.Sum32()%Shards))
}

func bucketKey(sec int64, shard int) string {
	return strconv.FormatInt(sec, 10) + "." + strconv.Itoa(shard)
}

// validKey reports whether key is "<second>.<shard>".
func validKey(key string) bool {
	sec, shard, ok := strings.Cut(key, ".")
	_, err1 := strconv.ParseInt(sec, 10, 64)
	n, err2 := strconv.Atoi(shard)
	return ok && err1 == nil && err2 == nil && n >= 0 && n < Shards
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
	if !validKey(ctx.Key()) {
		return stream.Errorf("timer key %q is not <unix second>.<shard>", ctx.Key())
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
