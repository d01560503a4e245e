package app

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/metrics"
)

// Group probe timing: every probeInterval the API describes the processors'
// consumer groups (members and lag) with a probeTimeout; after
// probeUnreadyAfter failed probes in a row (about 15 s) /readyz answers 503,
// and the first success makes it ready again. One failed probe, a
// rebalance, an empty group or a high lag never make the API unready: they
// show in the detail and in alerts instead, so readiness does not flap on a
// busy system.
const (
	probeInterval     = 5 * time.Second
	probeTimeout      = 3 * time.Second
	probeUnreadyAfter = 3
)

// groupProbe keeps the API's view of Kafka and the consumer groups it
// depends on, for /readyz and the stockflow_consumer_group_* metrics.
type groupProbe struct {
	adm      *kadm.Client
	groups   []string
	interval time.Duration

	mu       sync.Mutex
	last     api.Dependencies
	failures int
}

// processorGroups are the consumer groups of every processor, sorted.
func processorGroups() []string {
	var gs []string
	for _, name := range ProcessorNames() {
		gs = append(gs, string(graphs[name]().Group()))
	}
	sort.Strings(gs)
	return gs
}

// startGroupProbe probes the processors' groups in the background until
// the process stops.
func (s *System) startGroupProbe() (*groupProbe, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.cfg.Brokers...), kgo.ClientID("stockflow-api-health"))
	if err != nil {
		return nil, err
	}
	s.clients = append(s.clients, cl)
	p := &groupProbe{adm: kadm.NewClient(cl), groups: processorGroups(), interval: probeInterval}
	s.group.Go(func() error { p.run(s.failed); return nil })
	return p, nil
}

func (p *groupProbe) run(ctx context.Context) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probe describes the groups once and records the result.
func (p *groupProbe) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	// A copy: kadm reorders and rewrites the slice it is given.
	lags, err := p.adm.Lag(ctx, slices.Clone(p.groups)...)
	if ctx.Err() != nil && err == nil {
		err = ctx.Err()
	}
	if err == nil && lags.Error() != nil && allFailed(lags) {
		err = lags.Error()
	}
	p.record(time.Now(), lags, err)
}

func allFailed(lags kadm.DescribedGroupLags) bool {
	for _, l := range lags {
		if l.Error() == nil {
			return false
		}
	}
	return true
}

func (p *groupProbe) record(now time.Time, lags kadm.DescribedGroupLags, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last.Kafka.CheckedAt = now
	if err != nil {
		p.failures++
		p.last.Kafka.Reachable = false
		p.last.Kafka.Error = err.Error()
		p.last.Kafka.Unready = p.failures >= probeUnreadyAfter
		metrics.KafkaReachable.Set(0)
		if p.failures == probeUnreadyAfter {
			slog.Error("kafka unreachable; the API reports unready until it is back", "probes", p.failures, "error", err)
		}
		return
	}
	if p.failures >= probeUnreadyAfter {
		slog.Info("kafka reachable again; the API reports ready", "failed_probes", p.failures)
	}
	p.failures = 0
	p.last.Kafka = api.KafkaStatus{Reachable: true, CheckedAt: now}
	metrics.KafkaReachable.Set(1)
	p.last.Groups = p.last.Groups[:0]
	for _, g := range p.groups {
		l := lags[g]
		st := api.GroupStatus{Group: g, State: l.State, Members: len(l.Members), Lag: max(l.Lag.Total(), 0)}
		if e := l.Error(); e != nil {
			st.Error = e.Error()
		}
		p.last.Groups = append(p.last.Groups, st)
		metrics.GroupMembers.WithLabelValues(g).Set(float64(st.Members))
		metrics.GroupLag.WithLabelValues(g).Set(float64(st.Lag))
	}
}

// Dependencies returns a copy of the last probe's result.
func (p *groupProbe) Dependencies() *api.Dependencies {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.last
	d.Groups = append([]api.GroupStatus(nil), p.last.Groups...)
	return &d
}
