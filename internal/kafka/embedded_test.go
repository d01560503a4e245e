package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/stockflow/stockflow/internal/kafka"
)

// TestEmbeddedBrokerHidesDescribeTopicPartitions: Java admin clients fall
// back to Metadata when the broker does not advertise it, instead of
// failing on kfake's null eligibleLeaderReplicas.
func TestEmbeddedBrokerHidesDescribeTopicPartitions(t *testing.T) {
	_, cl := kafka.BrokerWithClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int16]bool{}
	for _, k := range resp.ApiKeys {
		seen[k.ApiKey] = true
	}
	if seen[75] {
		t.Fatal("the embedded broker advertises DescribeTopicPartitions (75)")
	}
	for _, key := range []int16{0, 1, 3, 8, 9, 11, 19} { // produce, fetch, metadata, commit, offsets, join, create topics
		if !seen[key] {
			t.Errorf("API key %d is not advertised", key)
		}
	}
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "t"); err != nil {
		t.Fatalf("create a topic: %v", err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatalf("produce through the capped broker: %v", err)
	}
}
