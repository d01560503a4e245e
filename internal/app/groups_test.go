package app

import (
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

func TestGroupProbeReadinessDoesNotFlap(t *testing.T) {
	down := errors.New("unable to dial: connection refused")
	healthy := kadm.DescribedGroupLags{
		"orders": {Group: "orders", State: "Stable", Members: make([]kadm.DescribedGroupMember, 2)},
		"stock":  {Group: "stock", State: "Empty"},
	}
	steps := []struct {
		name         string
		err          error
		wantUnready  bool
		wantDegraded bool
	}{
		{name: "a_healthy_probe_lists_every_group", wantDegraded: true},
		{name: "one_failed_probe_is_degraded_but_ready", err: down, wantDegraded: true},
		{name: "two_failed_probes_are_still_ready", err: down, wantDegraded: true},
		{name: "the_third_failed_probe_in_a_row_is_unready", err: down, wantUnready: true, wantDegraded: true},
		{name: "the_first_success_is_ready_again", wantDegraded: true},
	}
	p := &groupProbe{groups: []string{"orders", "stock"}}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			p.record(time.Now(), healthy, s.err)
			d := p.Dependencies()
			if d.Kafka.Unready != s.wantUnready {
				t.Errorf("unready = %v, want %v", d.Kafka.Unready, s.wantUnready)
			}
			if d.Degraded() != s.wantDegraded {
				t.Errorf("degraded = %v, want %v", d.Degraded(), s.wantDegraded)
			}
			if s.err == nil {
				if len(d.Groups) != 2 || d.Groups[0].Members != 2 || d.Groups[1].Members != 0 {
					t.Errorf("groups = %+v, want orders with 2 members and stock with none", d.Groups)
				}
				if !d.Kafka.Reachable || d.Kafka.Error != "" {
					t.Errorf("kafka = %+v, want reachable", d.Kafka)
				}
			} else if d.Kafka.Error != down.Error() {
				t.Errorf("kafka error %q, want %q", d.Kafka.Error, down)
			}
		})
	}
}

func TestProcessorGroupsNameEveryProcessor(t *testing.T) {
	if got, want := len(processorGroups()), len(ProcessorNames()); got != want {
		t.Fatalf("%d groups for %d processors", got, want)
	}
}
