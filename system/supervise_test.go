package system

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stockflow/stockflow/internal/metrics"
)

// fakePart fails its first fails runs at once, then runs until ctx ends
// and returns end.
type fakePart struct {
	runs      *atomic.Int32
	fails     int32
	end       error
	recovered bool
}

func (f fakePart) Run(ctx context.Context) error {
	if f.runs.Add(1) <= f.fails {
		return errors.New("client has run out of available brokers")
	}
	<-ctx.Done()
	return f.end
}

// Recovered is true once the run that does not fail has started: a
// supervisor holds each instance while it runs, failing ones too.
func (f fakePart) Recovered() bool { return f.recovered && f.runs.Load() > f.fails }

func testSupervisor(t *testing.T, name string, fails int32, end error) (*supervisor, *atomic.Int32, *atomic.Int32) {
	t.Helper()
	runs, cleanups := &atomic.Int32{}, &atomic.Int32{}
	build := func() (part, error) { return fakePart{runs: runs, fails: fails, end: end, recovered: true}, nil }
	s, err := newSupervisor(name, build, func() error { cleanups.Add(1); return nil })
	if err != nil {
		t.Fatal(err)
	}
	s.min, s.max = time.Millisecond, 4*time.Millisecond
	return s, runs, cleanups
}

func TestSupervisor(t *testing.T) {
	cases := []struct {
		name      string
		fails     int32
		end       error
		wantErr   bool
		wantClean int32
	}{
		{name: "a_part_that_never_fails_runs_once_and_stops_cleanly", fails: 0},
		{name: "a_failing_part_is_cleaned_up_and_restarted_until_it_runs", fails: 3, wantClean: 3},
		{name: "a_run_failing_as_the_process_stops_is_reported", fails: 1, end: errors.New("commit failed"), wantErr: true, wantClean: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "processor/test-" + c.name
			s, runs, cleanups := testSupervisor(t, name, c.fails, c.end)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			deadline := time.Now().Add(5 * time.Second)
			for !s.Recovered() {
				if time.Now().After(deadline) {
					t.Fatal("part never came up")
				}
				time.Sleep(time.Millisecond)
			}
			if got := testutil.ToFloat64(metrics.PartUp.WithLabelValues(name)); got != 1 {
				t.Errorf("stockflow_part_up = %v while running, want 1", got)
			}
			cancel()
			if err := <-done; (err != nil) != c.wantErr {
				t.Errorf("Run = %v, want error: %v", err, c.wantErr)
			}
			if got := runs.Load(); got != c.fails+1 {
				t.Errorf("%d runs, want %d", got, c.fails+1)
			}
			if got := cleanups.Load(); got != c.wantClean {
				t.Errorf("%d clean-ups before restarts, want %d", got, c.wantClean)
			}
			if got := testutil.ToFloat64(metrics.PartRestarts.WithLabelValues(name)); got != float64(c.fails) {
				t.Errorf("stockflow_part_restarts_total = %v, want %d", got, c.fails)
			}
			if s.Recovered() {
				t.Error("Recovered after the part stopped")
			}
		})
	}
}

func TestJitterStaysWithinHalfAndWhole(t *testing.T) {
	for range 1000 {
		if d := jitter(time.Second); d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("jitter(1s) = %s", d)
		}
	}
}
