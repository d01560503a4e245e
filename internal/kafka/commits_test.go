package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A message that writes nothing is not marked consumed past an earlier
// message whose write is still in flight: when that write fails and the
// processor stops, the earlier message is still to be consumed, and a
// restart applies it. (Without commitsAfterWrites the group committed
// offset 2 here: message a, whose write failed, was never applied again.)
func TestAMessageWithoutWritesIsNotCommittedPastAFailedWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, cl := brokerWithClient(t)
	adm := kadm.NewClient(cl)
	const in, out, group = "commits-in", "commits-out", "commits"
	if _, err := adm.CreateTopics(ctx, 1, 1, nil, in, out); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx,
		&kgo.Record{Topic: in, Key: []byte("a"), Value: []byte("writes")},
		&kgo.Record{Topic: in, Key: []byte("b"), Value: []byte("writes nothing")},
	).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// a's write is answered only once b has been applied (and its commit
	// has had its chance), and then fails.
	bApplied := make(chan struct{})
	var once sync.Once
	e.cluster.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		e.cluster.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !producesTo(req, out) {
			return nil, nil, false
		}
		e.cluster.SleepControl(func() {
			<-bApplied
			time.Sleep(300 * time.Millisecond)
		})
		return refuseProduce(req), nil, true
	})

	graph := goka.DefineGroup(group,
		goka.Input(in, new(codec.String), func(ctx goka.Context, _ any) {
			if ctx.Key() == "a" {
				ctx.Emit(out, "a", "a's write")
				return
			}
			once.Do(func() { close(bApplied) })
		}),
		goka.Output(out, new(codec.String)),
	)
	proc, err := Goka{Brokers: e.Addrs(), StateDir: t.TempDir(), Replication: 1}.NewProcessor(graph)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Run(ctx); err == nil {
		t.Fatal("the processor ran on after a's write failed")
	}
	offsets, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offsets.Lookup(in, 0); ok && o.At > 0 {
		t.Fatalf("the group committed offset %d: past message a (offset 0), whose write failed", o.At)
	}
}

func producesTo(req *kmsg.ProduceRequest, topic string) bool {
	for _, t := range req.Topics {
		if t.Topic == topic {
			return true
		}
	}
	return false
}

// refuseProduce answers every partition of req with a non-retriable error.
func refuseProduce(req *kmsg.ProduceRequest) kmsg.Response {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewProduceResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = kerr.InvalidRecord.Code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}
