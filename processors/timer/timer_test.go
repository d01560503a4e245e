package timer_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func TestKeyIsTheFirstWholeSecondAtOrAfterTheDeadline(t *testing.T) {
	t.Parallel()
	cases := map[string]time.Time{
		"100.": time.Unix(100, 0),
		"101.": time.Unix(100, 1),
		"102.": time.Unix(101, 999_999_999),
	}
	for want, due := range cases {
		if got := timer.Key(due, "o1"); !strings.HasPrefix(got, want) {
			t.Errorf("Key(%v) = %s, want second %s", due, got, want)
		}
	}
	shards := map[string]bool{}
	for i := range 1000 {
		shards[timer.Key(time.Unix(100, 0), fmt.Sprintf("order-%d", i))] = true
	}
	if len(shards) != timer.Shards {
		t.Errorf("1,000 orders due in one second spread over %d keys, want %d", len(shards), timer.Shards)
	}
}

func TestScheduleKeepsOneDeadlinePerOrderAndFiresOverdueOnesAtOnce(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	later := &pb.ScheduleExpiry{OrderId: "o1", DueUnixMs: now.Add(time.Minute).UnixMilli()}
	b, due := timer.Schedule(nil, later, now)
	b, due2 := timer.Schedule(b, later, now)
	if len(due)+len(due2) != 0 || len(b.GetPending()) != 1 {
		t.Fatalf("pending %v, fired %v %v; want one pending, none fired", b.GetPending(), due, due2)
	}
	overdue := &pb.ScheduleExpiry{OrderId: "o2", DueUnixMs: now.Add(-time.Second).UnixMilli()}
	if b, due = timer.Schedule(b, overdue, now); len(due) != 1 || len(b.GetPending()) != 1 {
		t.Fatalf("an overdue deadline was stored instead of fired: pending %v, fired %v", b.GetPending(), due)
	}
}

func TestTickFiresItsSecondOnce(t *testing.T) {
	gkt := gokatest.Start(t, timer.Graph())
	expires := gkt.NewQueueTracker(string(topics.OrderCommands))
	due := time.Now().Add(time.Hour)
	for _, id := range []string{"o1", "o2", "o1"} {
		gokatest.Send(t, gkt, topics.TimerCommands, timer.Key(due, id), &pb.TimerCommand{Kind: &pb.TimerCommand_Schedule{
			Schedule: &pb.ScheduleExpiry{OrderId: id, DueUnixMs: due.UnixMilli()}}})
	}
	tick := &pb.TimerCommand{Kind: &pb.TimerCommand_Tick{Tick: &pb.Tick{}}}
	gokatest.Send(t, gkt, topics.TimerCommands, "12345.0", tick) // an empty second
	if keys, _ := gokatest.Drain[*pb.OrderCommand](t, expires); len(keys) != 0 {
		t.Fatalf("fired %v before the tick", keys)
	}
	for _, id := range []string{"o1", "o2"} {
		gokatest.Send(t, gkt, topics.TimerCommands, timer.Key(due, id), tick)
		gokatest.Send(t, gkt, topics.TimerCommands, timer.Key(due, id), tick) // a duplicate tick
	}
	keys, cmds := gokatest.Drain[*pb.OrderCommand](t, expires)
	slices.Sort(keys)
	if len(keys) != 2 || keys[0] != "o1" || keys[1] != "o2" || cmds[0].GetExpire() == nil {
		t.Fatalf("fired %v, want one expiry each for o1 and o2", keys)
	}
	for _, id := range []string{"o1", "o2"} {
		if v := gkt.TableValue(topics.TimerTable, timer.Key(due, id)); v != nil {
			t.Fatalf("fired bucket still stored: %v", v)
		}
	}
}
