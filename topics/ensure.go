package topics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Layout is how topics are created on a cluster.
type Layout struct {
	// Partitions of every topic. Must never change once data exists: keys
	// would move to other partitions and state would split.
	Partitions int32
	// Replication factor of every topic (1 on a single broker).
	Replication int16
}

// Ensure creates every topic in specs that does not exist yet, checks that
// existing ones have the expected partition count, and waits until the
// broker's metadata shows every partition with a leader (a KRaft broker
// acknowledges a creation before its metadata has it, and goka does not
// retry a missing topic). It is safe to call at every start, from several
// processes at once.
func Ensure(ctx context.Context, adm *kadm.Client, layout Layout, specs []Spec) error {
	if err := ensureCreated(ctx, adm, layout, specs); err != nil {
		return err
	}
	return awaitLeaders(ctx, adm, specs)
}

// metadataPoll is how often awaitLeaders re-reads metadata.
const metadataPoll = 100 * time.Millisecond

// awaitLeaders waits until every partition of every topic has a leader.
func awaitLeaders(ctx context.Context, adm *kadm.Client, specs []Spec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	for {
		missing, err := leaderless(ctx, adm, names)
		if err == nil && missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topics not ready (%s): %w", firstNonEmpty(missing, fmt.Sprint(err)), ctx.Err())
		case <-time.After(metadataPoll):
		}
	}
}

// leaderless names a topic that is missing or has a partition without a
// leader, or "" when all are ready.
func leaderless(ctx context.Context, adm *kadm.Client, names []string) (string, error) {
	details, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		d, ok := details[n]
		if !ok || d.Err != nil || len(d.Partitions) == 0 {
			return n, nil
		}
		for _, p := range d.Partitions {
			if p.Err != nil || p.Leader < 0 {
				return fmt.Sprintf("%s[%d]", n, p.Partition), nil
			}
		}
	}
	return "", nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func ensureCreated(ctx context.Context, adm *kadm.Client, layout Layout, specs []Spec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	existing, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	for _, s := range specs {
		if d, ok := existing[s.Name]; ok && d.Err == nil {
			if got := int32(len(d.Partitions)); got != layout.Partitions {
				return fmt.Errorf("topic %q has %d partitions, want %d: refusing to run on a mismatched layout", s.Name, got, layout.Partitions)
			}
			continue
		}
		if err := create(ctx, adm, layout, s); err != nil {
			return err
		}
	}
	return nil
}

func create(ctx context.Context, adm *kadm.Client, layout Layout, s Spec) error {
	resp, err := adm.CreateTopic(ctx, layout.Partitions, layout.Replication, configs(s), s.Name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create topic %q: %w", s.Name, err)
	}
	return nil
}

func configs(s Spec) map[string]*string {
	str := func(v string) *string { return &v }
	if s.Compacted {
		c := map[string]*string{"cleanup.policy": str("compact")}
		if s.CompactionLag > 0 {
			c["min.compaction.lag.ms"] = str(strconv.FormatInt(s.CompactionLag.Milliseconds(), 10))
		}
		return c
	}
	retention := "-1"
	if s.Retention > 0 {
		retention = strconv.FormatInt(s.Retention.Milliseconds(), 10)
	}
	return map[string]*string{"cleanup.policy": str("delete"), "retention.ms": str(retention)}
}
