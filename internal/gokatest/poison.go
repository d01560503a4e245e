package gokatest

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Poison is one message a processor must refuse: dead-letter it and move on.
type Poison struct {
	// Name says what is wrong with it (a subtest name).
	Name string
	// Topic, Key and Value are the message as it arrives.
	Topic goka.Stream
	Key   string
	Value []byte
}

// Encode is proto.Marshal for a Poison's Value; it panics on failure,
// which only a broken test message causes.
func Encode(msg proto.Message) []byte {
	data, err := proto.Marshal(msg)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", msg, err))
	}
	return data
}

// WithUnknownField appends a varint field numbered num to an encoded
// message: what a kind (a oneof case) added by a newer producer looks like
// to this version, which decodes it with no kind set.
func WithUnknownField(data []byte, num protowire.Number) []byte {
	data = protowire.AppendTag(slices.Clone(data), num, protowire.VarintType)
	return protowire.AppendVarint(data, 1)
}

// PoisonSuite checks a processor against poison messages: each case is fed
// to one running processor in turn, and must be dead-lettered (one
// DeadLetter naming its topic, partition, offset, key, raw value, group and
// error), counted (stockflow_processor_messages_total with result
// dead_letter), logged with its topic, partition and offset, and leave the
// key's table value as it was; on the processor's other outputs it may
// only answer a problem on outcomes. A good message follows every case and
// must be applied: the processor goes on.
type PoisonSuite struct {
	// Group and Graph are the processor under test.
	Group goka.Group
	Graph *goka.GroupGraph
	// Table is the group table, compared before and after each case.
	Table goka.Table
	// Outputs are the streams the processor emits to besides dead-letters.
	Outputs []goka.Stream
	// Setup, if set, prepares state (entities the cases address) first.
	Setup func(t *testing.T, gkt *tester.Tester)
	// Cases are the poison messages.
	Cases []Poison
	// Good sends the i-th good message, and Applied checks it took effect.
	Good    func(t *testing.T, gkt *tester.Tester, i int)
	Applied func(t *testing.T, gkt *tester.Tester, i int)
}

// Run runs the suite. It replaces slog's default logger while it runs, so
// it must not run in parallel with other tests of its package.
func (s PoisonSuite) Run(t *testing.T) {
	t.Helper()
	logs := captureLogs(t)
	gkt := Start(t, s.Graph)
	dead := gkt.NewQueueTracker(string(topics.DeadLetters))
	outs := map[goka.Stream]*tester.QueueTracker{}
	for _, o := range s.Outputs {
		outs[o] = gkt.NewQueueTracker(string(o))
	}
	if s.Setup != nil {
		s.Setup(t, gkt)
	}
	drainAll := func() {
		for _, q := range outs {
			for {
				if _, _, ok := q.Next(); !ok {
					break
				}
			}
		}
		for {
			if _, _, ok := dead.Next(); !ok {
				break
			}
		}
	}
	for i, c := range s.Cases {
		t.Run(c.Name, func(t *testing.T) {
			drainAll()
			in := gkt.NewQueueTracker(string(c.Topic))
			offset := in.Hwm()
			before := gkt.TableValue(s.Table, c.Key)
			counted := DeadLetterCount(s.Group, c.Topic)

			gkt.Consume(string(c.Topic), c.Key, c.Value)

			_, letters := Drain[*pb.DeadLetter](t, dead)
			if len(letters) != 1 {
				t.Fatalf("%d dead letters, want 1", len(letters))
			}
			l := letters[0]
			want := &pb.DeadLetter{SourceTopic: string(c.Topic), Partition: 0, Offset: offset, Key: c.Key, Value: c.Value, Group: string(s.Group)}
			if l.GetSourceTopic() != want.SourceTopic || l.GetPartition() != 0 || l.GetOffset() != offset ||
				l.GetKey() != c.Key || !bytes.Equal(l.GetValue(), c.Value) || l.GetGroup() != want.Group ||
				l.GetError() == "" || l.GetAtUnixMs() <= 0 {
				t.Errorf("dead letter %v, want origin %v with an error and a time", l, want)
			}
			if got := DeadLetterCount(s.Group, c.Topic) - counted; got != 1 {
				t.Errorf("dead-letter counter rose by %v, want 1", got)
			}
			line := fmt.Sprintf("topic=%s partition=0 offset=%d", c.Topic, offset)
			if !strings.Contains(logs.String(), line) {
				t.Errorf("no log line with %q", line)
			}
			if after := gkt.TableValue(s.Table, c.Key); !sameValue(before, after) {
				t.Errorf("table value of %q changed from %v to %v", c.Key, before, after)
			}
			for topic, q := range outs {
				for {
					k, v, ok := q.Next()
					if !ok {
						break
					}
					if o, isOutcome := v.(*pb.Outcome); isOutcome && topic == topics.Outcomes && o.GetProblem() != nil {
						continue // the caller is told
					}
					t.Errorf("emitted %v to %s under %q for a poison message", v, topic, k)
				}
			}

			s.Good(t, gkt, i)
			s.Applied(t, gkt, i)
		})
	}
}

// DeadLetterCount reads stockflow_processor_messages_total for the group's
// dead letters from topic.
func DeadLetterCount(group goka.Group, topic goka.Stream) float64 {
	var m dto.Metric
	if err := metrics.ProcessorMessages.WithLabelValues(string(group), string(topic), "dead_letter").Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func sameValue(a, b any) bool {
	pa, okA := a.(proto.Message)
	pbm, okB := b.(proto.Message)
	if okA && okB {
		return proto.Equal(pa, pbm)
	}
	return a == nil && b == nil || fmt.Sprint(a) == fmt.Sprint(b)
}

// logBuffer is a concurrency-safe buffer for captured log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs sends slog's default logger to a buffer until the test ends.
func captureLogs(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}
