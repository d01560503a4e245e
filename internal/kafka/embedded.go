package kafka

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kversion"
)

// Embedded is an in-process Kafka-protocol broker (franz-go's kfake),
// listening on loopback. With a data directory it persists its log there.
type Embedded struct {
	cluster *kfake.Cluster
}

// EmbeddedConfig says where and how the embedded broker runs.
type EmbeddedConfig struct {
	// Port to listen on; kfake binds 127.0.0.1 only. 0 picks a free port.
	Port int
	// DataDir persists the log; empty keeps it in memory.
	DataDir string
	// SyncWrites fsyncs every write, to survive an OS crash.
	SyncWrites bool
}

// StartEmbedded starts a one-broker kfake cluster.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.DefaultNumPartitions(1),
		kfake.MaxVersions(embeddedVersions()),
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("embedded kafka data dir: %w", err)
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
		if cfg.SyncWrites {
			opts = append(opts, kfake.SyncWrites())
		}
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka: %w", err)
	}
	return &Embedded{cluster: c}, nil
}

// describeTopicPartitionsKey is the DescribeTopicPartitions API (KIP-966).
const describeTopicPartitionsKey = 75

// embeddedVersions are the APIs the embedded broker advertises: all that
// kfake implements but DescribeTopicPartitions, whose kfake response leaves
// eligibleLeaderReplicas null, which Apache Kafka 3.9's Java admin client
// dereferences (kafka-topics.sh --describe and GetOffsetShell fail with a
// NullPointerException). Without it, Java clients fall back to Metadata;
// franz-go and librdkafka do not use it.
func embeddedVersions() *kversion.Versions {
	v := kversion.Tip()
	v.SetMaxKeyVersion(describeTopicPartitionsKey, -1)
	return v
}

// Addrs are the broker addresses to dial.
func (e *Embedded) Addrs() []string { return e.cluster.ListenAddrs() }

// Close stops the broker, flushing its log to the data directory.
func (e *Embedded) Close() { e.cluster.Close() }

// PrepareDataDir lays out root for an embedded broker and local table
// state: root/kafka and root/state. Local state without a broker log beside
// it is stale (goka would refuse to start), so it is wiped; they are created
// and wiped together.
func PrepareDataDir(root string) (kafkaDir, stateDir string, err error) {
	kafkaDir = filepath.Join(root, "kafka")
	stateDir = filepath.Join(root, "state")
	if _, statErr := os.Stat(kafkaDir); os.IsNotExist(statErr) {
		if err := os.RemoveAll(stateDir); err != nil {
			return "", "", fmt.Errorf("wipe stale state %s: %w", stateDir, err)
		}
	}
	for _, d := range []string{kafkaDir, stateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", "", fmt.Errorf("create %s: %w", d, err)
		}
	}
	return kafkaDir, stateDir, nil
}
