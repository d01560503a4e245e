package timer_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// fakeProducer records what a scheduler sends; failures > 0 fails that
// many produce calls first.
type fakeProducer struct {
	mu       sync.Mutex
	records  []*kgo.Record
	failures int
	// then, when set, receives every record sent.
	then func(*kgo.Record)
}

func (f *fakeProducer) ProduceSync(_ context.Context, rs ...*kgo.Record) kgo.ProduceResults {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(kgo.ProduceResults, len(rs))
	if f.failures > 0 {
		f.failures--
		for i, r := range rs {
			out[i] = kgo.ProduceResult{Record: r, Err: errors.New("broker down")}
		}
		return out
	}
	for i, r := range rs {
		f.records = append(f.records, r)
		out[i] = kgo.ProduceResult{Record: r}
		if f.then != nil {
			f.then(r)
		}
	}
	return out
}

// sent lists (and forgets) the order ids sent ExpireOrder and those sent
// FiredExpiry, in order, checking each record's topic, kind and key.
func (f *fakeProducer) sent(t *testing.T) (expired, fired []string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.records {
		switch r.Topic {
		case string(topics.OrderCommands):
			var c pb.OrderCommand
			if err := proto.Unmarshal(r.Value, &c); err != nil || c.GetExpire() == nil || c.GetOrderId() != string(r.Key) {
				t.Fatalf("order command %s is not an expiry for its key: %v %v", r.Key, &c, err)
			}
			expired = append(expired, string(r.Key))
		case string(topics.TimerCommands):
			var c pb.TimerCommand
			if err := proto.Unmarshal(r.Value, &c); err != nil || c.GetFired().GetOrderId() != string(r.Key) {
				t.Fatalf("timer command %s is not a fired deadline for its key: %v %v", r.Key, &c, err)
			}
			fired = append(fired, string(r.Key))
		default:
			t.Fatalf("record sent to %s", r.Topic)
		}
	}
	f.records = nil
	return expired, fired
}

// expired lists (and forgets) the orders sent ExpireOrder, checking that
// each was also marked fired (a scheduler that fires once).
func (f *fakeProducer) expired(t *testing.T) []string {
	t.Helper()
	expired, fired := f.sent(t)
	if !equal(expired, fired) {
		t.Fatalf("expired %v but marked fired %v", expired, fired)
	}
	return expired
}

func schedule(t *testing.T, s *timer.Scheduler, id string, due time.Time) {
	t.Helper()
	v, err := proto.Marshal(&pb.TimerDeadline{OrderId: id, DueUnixMs: due.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(nil, nil, timer.Key(id), v); err != nil {
		t.Fatal(err)
	}
}

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestSchedulerCatchesUpAfterALongOutageAtItsFirstWakeUp(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &clock{now: start}
	fp := &fakeProducer{}
	s := &timer.Scheduler{Client: fp, Now: c.Now, Batch: 64}
	const n = 1000
	for i := range n {
		// Spread over three days; every tenth one already due.
		due := start.Add(time.Duration(i) * 3 * 24 * time.Hour / n)
		if i%10 == 0 {
			due = start.Add(-time.Duration(i) * time.Minute)
		}
		schedule(t, s, "o"+strconv.Itoa(i), due)
	}
	fired, err := s.Wake(context.Background())
	if expired, marked := fp.sent(t); err != nil || fired != n/10 || len(expired) != fired || len(marked) != 0 {
		t.Fatalf("first wake fired %d (%v), sent %d expiries and %d fired marks; want the %d already due, unmarked until fired again",
			fired, err, len(expired), len(marked), n/10)
	}

	c.now = start.Add(7 * 24 * time.Hour) // the whole system was down for a week
	fired, err = s.Wake(context.Background())
	expired, marked := fp.sent(t)
	if err != nil || fired != n-n/10 || s.Len() != 0 {
		t.Fatalf("after a week's outage one wake fired %d (%v), %d left; want all %d", fired, err, s.Len(), n-n/10)
	}
	first := expired[:len(expired)-len(marked)] // before the second firing of the first 100
	if len(marked) != n/10 || len(first) != n-n/10 || !slices.IsSortedFunc(first, func(a, b string) int { return idNum(a) - idNum(b) }) {
		t.Fatalf("sent %d expiries and %d fired marks; want %d in due order, then the first wake's %d fired again and marked",
			len(expired), len(marked), n-n/10, n/10)
	}
	if fired, _ := s.Wake(context.Background()); fired != 0 || len(fp.records) != 0 {
		t.Fatalf("a later wake in the same instant fired %d again", fired)
	}
	c.now = c.now.Add(timer.DefaultRefire)
	if _, err := s.Wake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if expired, marked := fp.sent(t); len(expired) != n-n/10 || !equal(expired, marked) {
		t.Fatalf("the second firing sent %d expiries and %d marks, want %d of each", len(expired), len(marked), n-n/10)
	}
}

func TestSchedulerFiresEachDeadlineTwiceThenDeletesIt(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &clock{now: start}
	fp := &fakeProducer{}
	s := &timer.Scheduler{Client: fp, Now: c.Now, Refire: 5 * time.Second}
	schedule(t, s, "kept", start)
	schedule(t, s, "cancelled", start)
	if _, err := s.Wake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if expired, marked := fp.sent(t); !equal(expired, []string{"cancelled", "kept"}) || len(marked) != 0 {
		t.Fatalf("first firing: expired %v, marked %v", expired, marked)
	}
	if err := s.Update(nil, nil, timer.Key("cancelled"), nil); err != nil { // paid meanwhile
		t.Fatal(err)
	}
	c.now = start.Add(4 * time.Second)
	if _, _ = s.Wake(context.Background()); len(fp.records) != 0 {
		t.Fatal("fired again before Refire")
	}
	c.now = start.Add(5 * time.Second)
	if _, err := s.Wake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if expired, marked := fp.sent(t); !equal(expired, []string{"kept"}) || !equal(marked, []string{"kept"}) {
		t.Fatalf("second firing: expired %v, marked %v; want kept only", expired, marked)
	}
}

func idNum(id string) int {
	n, _ := strconv.Atoi(id[1:])
	return n
}

func TestSchedulerFiresOnlyLiveDueDeadlines(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fp := &fakeProducer{}
	s := &timer.Scheduler{Client: fp, Now: func() time.Time { return now }, Refire: -1}
	schedule(t, s, "due", now.Add(-time.Second))
	schedule(t, s, "due", now.Add(-time.Second)) // a duplicate record (view replay)
	schedule(t, s, "later", now.Add(time.Second))
	schedule(t, s, "cancelled", now.Add(-time.Second))
	if err := s.Update(nil, nil, timer.Key("cancelled"), nil); err != nil { // its tombstone
		t.Fatal(err)
	}
	if err := s.Update(nil, nil, "garbage", []byte{0xff}); err != nil {
		t.Fatalf("an undecodable record stopped the view: %v", err)
	}
	// A bucket of the old per-second timer, keyed "<second>.<shard>".
	if err := s.Update(nil, nil, "1764590400.3", deadlineBytes("o9", now.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fp.expired(t); !equal(got, []string{"due"}) || s.Len() != 1 {
		t.Fatalf("fired %v with %d pending, want only due and later pending", got, s.Len())
	}
}

func TestSchedulerKeepsWhatItCouldNotSend(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fp := &fakeProducer{failures: 1}
	s := &timer.Scheduler{Client: fp, Now: func() time.Time { return now }, Refire: -1}
	schedule(t, s, "o1", now)
	if fired, err := s.Wake(context.Background()); err == nil || fired != 0 || s.Len() != 1 {
		t.Fatalf("wake with the broker down: fired %d, %v, %d pending; want an error and o1 kept", fired, err, s.Len())
	}
	if fired, err := s.Wake(context.Background()); err != nil || fired != 1 || !equal(fp.expired(t), []string{"o1"}) {
		t.Fatalf("the retry fired %d (%v), want o1", fired, err)
	}
}

func deadlineBytes(id string, due time.Time) []byte {
	v, _ := proto.Marshal(&pb.TimerDeadline{OrderId: id, DueUnixMs: due.UnixMilli()})
	return v
}
