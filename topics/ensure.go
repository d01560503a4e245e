package topics

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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

// Ensure creates every topic in specs that does not exist yet and checks
// that existing ones have the expected partition count. It is safe to call
// at every start, from several processes at once.
func Ensure(ctx context.Context, adm *kadm.Client, layout Layout, specs []Spec) error {
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
		return map[string]*string{"cleanup.policy": str("compact")}
	}
	retention := "-1"
	if s.Retention > 0 {
		retention = strconv.FormatInt(s.Retention.Milliseconds(), 10)
	}
	return map[string]*string{"cleanup.policy": str("delete"), "retention.ms": str(retention)}
}
