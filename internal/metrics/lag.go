package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
)

// lagScrapeTimeout bounds the Kafka round trips of one scrape.
const lagScrapeTimeout = 2 * time.Second

var lagDesc = prometheus.NewDesc("stockflow_consumer_group_lag",
	"Records not yet consumed by a consumer group (processors, the ClickHouse sink), by topic, summed over partitions; read from Kafka at scrape time.",
	[]string{"group", "topic"}, nil)

// groupLag reports the lag of the groups its watchers name. A process
// registers watchers for the groups it runs (WatchGroupLag).
type groupLag struct {
	mu       sync.Mutex
	watchers map[*lagWatcher]struct{}
}

type lagWatcher struct {
	admin  *kadm.Client
	groups []string
}

var consumerLag = &groupLag{watchers: map[*lagWatcher]struct{}{}}

func init() { Registry.MustRegister(consumerLag) }

// WatchGroupLag makes every scrape of /metrics report the lag of groups,
// asking Kafka through admin, until the returned stop is called.
func WatchGroupLag(admin *kadm.Client, groups []string) (stop func()) {
	w := &lagWatcher{admin: admin, groups: groups}
	consumerLag.mu.Lock()
	consumerLag.watchers[w] = struct{}{}
	consumerLag.mu.Unlock()
	return func() {
		consumerLag.mu.Lock()
		delete(consumerLag.watchers, w)
		consumerLag.mu.Unlock()
	}
}

// Describe implements prometheus.Collector.
func (g *groupLag) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

// Collect implements prometheus.Collector: one gauge per group and topic.
// A group that cannot be described is left out of this scrape.
func (g *groupLag) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	watchers := make([]*lagWatcher, 0, len(g.watchers))
	for w := range g.watchers {
		watchers = append(watchers, w)
	}
	g.mu.Unlock()
	seen := map[string]bool{}
	for _, w := range watchers {
		ctx, cancel := context.WithTimeout(context.Background(), lagScrapeTimeout)
		lags, err := w.admin.Lag(ctx, w.groups...)
		cancel()
		if err != nil {
			continue
		}
		lags.Each(func(l kadm.DescribedGroupLag) {
			if seen[l.Group] || l.Error() != nil {
				return
			}
			seen[l.Group] = true
			for topic, parts := range l.Lag {
				var sum int64
				for _, p := range parts {
					if p.Lag > 0 {
						sum += p.Lag
					}
				}
				ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(sum), l.Group, topic)
			}
		})
	}
}
