package timer_test

import (
	"testing"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func deadline(id string, due int64) *pb.TimerDeadline {
	return &pb.TimerDeadline{OrderId: id, DueUnixMs: due}
}

func TestApply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		stored      *pb.TimerDeadline
		cmd         *pb.TimerCommand
		want        *pb.TimerDeadline
		wantChanged bool
	}{
		{"schedule_stores_a_new_deadline", nil, timer.ScheduleCommand("o1", 100), deadline("o1", 100), true},
		{"schedule_again_writes_nothing", deadline("o1", 100), timer.ScheduleCommand("o1", 100), deadline("o1", 100), false},
		{"schedule_moves_a_deadline", deadline("o1", 100), timer.ScheduleCommand("o1", 200), deadline("o1", 200), true},
		{"fired_deletes_the_deadline_it_fired", deadline("o1", 100), timer.FiredCommand("o1", 100), nil, true},
		{"fired_keeps_a_deadline_moved_later", deadline("o1", 200), timer.FiredCommand("o1", 100), deadline("o1", 200), false},
		{"fired_twice_changes_nothing", nil, timer.FiredCommand("o1", 100), nil, false},
		{"cancel_deletes_the_deadline", deadline("o1", 100), timer.CancelCommand("o1"), nil, true},
		{"cancel_without_a_deadline_changes_nothing", nil, timer.CancelCommand("o1"), nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, changed, err := timer.Apply(c.stored, c.cmd)
			if err != nil || changed != c.wantChanged || got.GetDueUnixMs() != c.want.GetDueUnixMs() || (got == nil) != (c.want == nil) {
				t.Fatalf("Apply = %v, changed %v, %v; want %v, changed %v", got, changed, err, c.want, c.wantChanged)
			}
		})
	}
	if _, _, err := timer.Apply(nil, &pb.TimerCommand{}); err == nil {
		t.Fatal("a command with no kind was applied")
	}
}

func TestProcessorKeepsOneSmallValuePerOrder(t *testing.T) {
	gkt := gokatest.Start(t, timer.Graph())
	dead := gkt.NewQueueTracker(string(topics.DeadLetters))
	send := func(cmd *pb.TimerCommand, key string) {
		t.Helper()
		gokatest.Send(t, gkt, topics.TimerCommands, key, cmd)
	}
	stored := func(id string) *pb.TimerDeadline {
		v, _ := gkt.TableValue(topics.TimerTable, timer.Key(id)).(*pb.TimerDeadline)
		return v
	}
	send(timer.ScheduleCommand("o1", 100), timer.Key("o1"))
	send(timer.ScheduleCommand("o1", 100), timer.Key("o1")) // a redrive
	send(timer.ScheduleCommand("o2", 100), timer.Key("o2"))
	send(timer.ScheduleCommand("o3", 300), timer.Key("o3"))
	if d := stored("o1"); d.GetOrderId() != "o1" || d.GetDueUnixMs() != 100 {
		t.Fatalf("o1's deadline is %v, want 100", d)
	}
	send(timer.FiredCommand("o1", 100), timer.Key("o1"))
	send(timer.CancelCommand("o2"), timer.Key("o2"))
	if stored("o1") != nil || stored("o2") != nil || stored("o3").GetDueUnixMs() != 300 {
		t.Fatalf("after fire and cancel: o1 %v, o2 %v, o3 %v; want only o3", stored("o1"), stored("o2"), stored("o3"))
	}
	send(timer.ScheduleCommand("o4", 100), "o5")
	if keys, _ := gokatest.Drain[*pb.DeadLetter](t, dead); len(keys) != 1 || stored("o4") != nil {
		t.Fatalf("a command on another order's key was applied (dead letters %v)", keys)
	}
}
