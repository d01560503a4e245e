package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/kafka"
)

const partitions = 6

// gokaPartition is where goka's processors expect key.
func gokaPartition(key string) int32 {
	h := goka.DefaultHasher()()
	_, _ = h.Write([]byte(key))
	p := int32(h.Sum32())
	if p < 0 {
		p = -p
	}
	return p % partitions
}

// misplaced produces 60 keys with a client built from opts and counts the
// records that did not land where goka would look for them.
func misplaced(t *testing.T, opts ...kgo.Opt) int {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kafka.NewProducer(c.ListenAddrs(), "test", opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wrong := 0
	for i := range 60 {
		key := fmt.Sprintf("product-%d@warehouse-%d", i, i%7)
		r, err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Key: []byte(key), Value: []byte("v")}).First()
		if err != nil {
			t.Fatal(err)
		}
		if r.Partition != gokaPartition(key) {
			wrong++
		}
	}
	return wrong
}

func TestProducerPartitionsLikeGoka(t *testing.T) {
	if n := misplaced(t); n != 0 {
		t.Fatalf("%d of 60 keys landed on another partition than goka expects", n)
	}
}

// TestDefaultPartitionerWouldSplitState shows why the test above matters:
// franz-go's default partitioner puts most keys elsewhere.
func TestDefaultPartitionerWouldSplitState(t *testing.T) {
	if n := misplaced(t, kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil))); n == 0 {
		t.Fatal("franz-go's default partitioner agreed with goka on every key; the guard above proves nothing")
	}
}
