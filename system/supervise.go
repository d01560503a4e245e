package system

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/metrics"
)

// part is a goka processor or view: it runs once and says when its tables
// are restored.
type part interface {
	Run(ctx context.Context) error
	Recovered() bool
}

// Restart backoff of supervised parts: the first retry waits about
// restartMin, each further one twice as long up to restartMax; a run that
// lasted restartReset counts as healthy and resets the delay.
const (
	restartMin   = 500 * time.Millisecond
	restartMax   = 30 * time.Second
	restartReset = time.Minute
)

// supervisor keeps one part running: when it stops with an error while the
// process is still meant to run (typically the brokers went away: "client
// has run out of available brokers"), it logs, counts the restart in
// stockflow_part_restarts_total, waits with backoff, cleans up with
// beforeRestart and runs a fresh instance from build, since a goka part
// runs only once. The process therefore rides out a broker outage instead
// of exiting.
type supervisor struct {
	// name labels logs and metrics: processor/<group> or view/<table>.
	name string
	// build creates a fresh instance of the part.
	build func() (part, error)
	// beforeRestart runs after a failed run, before the next one (nil: nothing).
	beforeRestart func() error
	// min, max and reset override restartMin, restartMax and restartReset (tests).
	min, max, reset time.Duration

	current atomic.Pointer[part]
	next    part
}

// newSupervisor builds the first instance at once, so configuration errors
// surface when the process starts.
func newSupervisor(name string, build func() (part, error), beforeRestart func() error) (*supervisor, error) {
	p, err := build()
	if err != nil {
		return nil, err
	}
	metrics.PartUp.WithLabelValues(name).Set(0)
	return &supervisor{name: name, build: build, beforeRestart: beforeRestart, min: restartMin, max: restartMax, reset: restartReset, next: p}, nil
}

// Recovered reports whether the running instance has restored its tables
// (false while the part waits to restart).
func (s *supervisor) Recovered() bool {
	p := s.current.Load()
	return p != nil && (*p).Recovered()
}

// Run runs the part until ctx ends. It returns nil after a clean stop, and
// an error only if the last run failed as ctx ended (its local state is
// then not to be trusted) or cleaning up before a restart failed.
func (s *supervisor) Run(ctx context.Context) error {
	up := metrics.PartUp.WithLabelValues(s.name)
	delay := s.min
	for restarts := 0; ; restarts++ {
		p, err := s.instance()
		started := time.Now()
		if err == nil {
			s.current.Store(&p)
			up.Set(1)
			err = p.Run(ctx)
			up.Set(0)
			s.current.Store(nil)
		}
		if ctx.Err() != nil {
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			return nil
		}
		if err == nil {
			err = errors.New("stopped on its own")
		}
		if time.Since(started) >= s.reset {
			delay = s.min
		}
		wait := jitter(delay)
		slog.Error("part failed; restarting it", "part", s.name, "error", err, "retry_in", wait.Round(time.Millisecond), "restarts", restarts+1)
		metrics.PartRestarts.WithLabelValues(s.name).Inc()
		if s.beforeRestart != nil {
			if err := s.beforeRestart(); err != nil {
				return fmt.Errorf("%s: before restart: %w", s.name, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		delay = min(2*delay, s.max)
	}
}

// instance returns the instance built up front, then fresh ones.
func (s *supervisor) instance() (part, error) {
	if p := s.next; p != nil {
		s.next = nil
		return p, nil
	}
	return s.build()
}

// jitter spreads d over [d/2, d) so restarting parts do not retry in step.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// superviseProcessor runs processor name under a supervisor. A failed run
// may leave local tables ahead of their changelogs (goka writes locally
// first), so before a restart they are wiped and restored from Kafka, the
// same rule prepareGroupState applies after a crash.
func superviseProcessor(g kafka.Goka, name, groupDir string) (*supervisor, error) {
	build := func() (part, error) { return g.NewProcessor(graphs[name]()) }
	return newSupervisor("processor/"+name, build, func() error { return prepareGroupState(groupDir) })
}
