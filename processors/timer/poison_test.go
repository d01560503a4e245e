package timer_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// A cancel or fired mark for an order with no deadline is not poison: the
// saga cancels deadlines it never scheduled (an order closed while
// pending), and every deadline fires twice. Neither changes anything.
func TestPoisonTimerCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.TimerCommands
	poison := func(name, key string, cmd *pb.TimerCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	order := func(i int) string { return "good-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.TimerGroup, Graph: timer.Graph(), Table: topics.TimerTable,
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, in, "o1", timer.ScheduleCommand("o1", 1_000))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "o1", Value: []byte{0x0a, 0x10, 'x'}},
			poison("a_command_without_kind", "o1", &pb.TimerCommand{}),
			{Name: "a_kind_this_version_does_not_know", Topic: in, Key: "o1", Value: gokatest.WithUnknownField(nil, 99)},
			poison("a_schedule_without_a_due_time", "o1", timer.ScheduleCommand("o1", 0)),
			poison("a_schedule_without_an_order", "o1", timer.ScheduleCommand("", 2_000)),
			poison("a_schedule_on_another_orders_key", "o1", timer.ScheduleCommand("o2", 2_000)),
			poison("a_cancel_on_another_orders_key", "o1", timer.CancelCommand("o2")),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, order(i), timer.ScheduleCommand(order(i), 5_000))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if d, _ := gkt.TableValue(topics.TimerTable, order(i)).(*pb.TimerDeadline); d.GetDueUnixMs() != 5_000 {
				t.Errorf("the next command was not applied: %v", d)
			}
		},
	}.Run(t)
}
