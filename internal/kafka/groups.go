package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/metrics"
)

// groupsCacheFor is how long GroupWatch reuses an answer: readiness probes
// come every few seconds from every load balancer.
const groupsCacheFor = 2 * time.Second

// GroupWatch reports how many members each processor's consumer group has,
// which is what an API process can know about whether processors run.
type GroupWatch struct {
	adm    *kadm.Client
	groups []string

	mu      sync.Mutex
	at      time.Time
	members map[string]int
	err     error
}

// NewGroupWatch watches groups through cl (which it does not close).
func NewGroupWatch(cl *kgo.Client, groups []string) *GroupWatch {
	return &GroupWatch{adm: kadm.NewClient(cl), groups: groups}
}

// Members returns each group's member count (0: no instance running), or
// an error when Kafka cannot be asked. It also sets the
// stockflow_consumer_group_members gauge.
func (w *GroupWatch) Members(ctx context.Context) (map[string]int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.at) < groupsCacheFor {
		return w.members, w.err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	described, err := w.adm.DescribeGroups(ctx, w.groups...)
	w.at, w.members, w.err = time.Now(), nil, nil
	if err != nil {
		w.err = fmt.Errorf("describe consumer groups: %w", err)
		return nil, w.err
	}
	w.members = make(map[string]int, len(w.groups))
	for _, g := range w.groups {
		n := 0
		if d, ok := described[g]; ok && d.Err == nil {
			n = len(d.Members)
		}
		w.members[g] = n
		metrics.GroupMembers.WithLabelValues(g).Set(float64(n))
	}
	return w.members, nil
}
