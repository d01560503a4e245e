package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startProducer runs an embedded broker with topic t (one partition) and
// returns a processor producer on it and a plain client.
func startProducer(t *testing.T) (goka.Producer, *kgo.Client) {
	t.Helper()
	return startProducerBuffering(t, producerMaxBuffered)
}

func startProducerBuffering(t *testing.T, maxBuffered int) (goka.Producer, *kgo.Client) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "t"); err != nil {
		t.Fatalf("create a topic: %v", err)
	}
	p, err := newProducer(e.Addrs(), "test", maxBuffered)
	if err != nil {
		t.Fatal(err)
	}
	return &orderedProducer{inner: p}, cl
}

// wait returns what the promise resolved with.
func wait(t *testing.T, p *goka.Promise) (*sarama.ProducerMessage, error) {
	t.Helper()
	type result struct {
		msg *sarama.ProducerMessage
		err error
	}
	done := make(chan result, 1)
	p.ThenWithMessage(func(msg *sarama.ProducerMessage, err error) { done <- result{msg, err} })
	select {
	case r := <-done:
		return r.msg, r.err
	case <-time.After(30 * time.Second):
		t.Fatal("the write was never resolved")
		return nil, nil
	}
}

func TestProcessorWritesResolveWithTheirOffsetsInOrder(t *testing.T) {
	p, _ := startProducer(t)
	var promises []*goka.Promise
	for range 3 {
		promises = append(promises, p.EmitWithHeaders("t", "k", []byte("v"), goka.Headers{"h": []byte("1")}))
	}
	for i, promise := range promises {
		msg, err := wait(t, promise)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if msg.Offset != int64(i) || msg.Topic != "t" {
			t.Fatalf("write %d resolved with %s@%d, want t@%d (goka stores a table's offset from it)", i, msg.Topic, msg.Offset, i)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// TestAWriteIssuedAfterAFailedOneNeverLands: the property a stock level's
// stamps rely on (a saga's later command must not land when an earlier one
// was lost). The earlier write fails because its topic does not exist.
func TestAWriteIssuedAfterAFailedOneNeverLands(t *testing.T) {
	p, cl := startProducer(t)
	if _, err := wait(t, p.Emit("no-such-topic", "k", []byte("lost"))); err == nil {
		t.Fatal("a write to a missing topic succeeded")
	}
	_, err := wait(t, p.Emit("t", "k", []byte("later")))
	if err == nil {
		t.Fatal("a write issued after a failed one succeeded")
	}
	if err := p.Close(); err == nil {
		t.Fatal("closing a producer whose write failed reported nothing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offsets, err := kadm.NewClient(cl).ListEndOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if end, _ := offsets.Lookup("t", 0); end.Offset != 0 {
		t.Fatalf("topic t holds %d records, want none", end.Offset)
	}
}

// TestABacklogWaitsForRoomInsteadOfFailing: writes issued faster than the
// broker takes them, past the producer's buffer, all land.
func TestABacklogWaitsForRoomInsteadOfFailing(t *testing.T) {
	p, _ := startProducerBuffering(t, 4)
	n := 2_000
	var last *goka.Promise
	for range n {
		last = p.Emit("t", "k", make([]byte, 100))
	}
	msg, err := wait(t, last)
	if err != nil {
		t.Fatalf("the last of %d writes: %v", n, err)
	}
	if msg.Offset != int64(n-1) {
		t.Fatalf("the last write landed at offset %d, want %d", msg.Offset, n-1)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}
