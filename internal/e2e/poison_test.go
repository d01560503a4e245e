package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

// processorInputs is every processor input topic and the group reading it.
var processorInputs = []struct {
	topic string
	group string
}{
	{string(topics.StockCommands), string(topics.StockGroup)},
	{string(topics.OrderCommands), string(topics.OrdersGroup)},
	{string(topics.StockReplies), string(topics.OrdersGroup)},
	{string(topics.TransferCommands), string(topics.TransfersGroup)},
	{string(topics.TransferReplies), string(topics.TransfersGroup)},
	{string(topics.WarehouseCommands), string(topics.WarehousesGroup)},
	{string(topics.CatalogCommands), string(topics.CatalogGroup)},
	{string(topics.SkuCommands), string(topics.SkusGroup)},
	{string(topics.ShopCommands), string(topics.ShopsGroup)},
	{string(topics.UserCommands), string(topics.UsersGroup)},
	{string(topics.IdempotencyCommands), string(topics.IdempotencyGroup)},
	{string(topics.TimerCommands), string(topics.TimerGroup)},
}

// TestPoisonOnEveryInputIsDeadLetteredAndTheSystemKeepsServing writes two
// poison messages to every processor input over the broker: bytes that are
// not protobuf, and a message of a kind this version does not know (an
// unknown field only, which decodes to an empty message on a key it does
// not match). Each must reach dead-letters with its origin and be counted
// on /metrics, and the whole order path must still work afterwards.
func TestPoisonOnEveryInputIsDeadLetteredAndTheSystemKeepsServing(t *testing.T) {
	s := start(t, t.TempDir())
	cl, err := kafka.NewProducer(s.brokers, "poison-test")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	unknownKind := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1)
	want := map[string]bool{} // "topic key" of every poison message
	var recs []*kgo.Record
	for _, in := range processorInputs {
		for i, value := range [][]byte{[]byte("\xff\xffnot protobuf"), unknownKind} {
			key := fmt.Sprintf("poison-%s-%d", in.topic, i)
			recs = append(recs, &kgo.Record{Topic: in.topic, Key: []byte(key), Value: value})
			want[in.topic+" "+key] = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// The system keeps serving: the whole order path after the poison.
	w := s.warehouse("north")
	p := s.product("POISON-TEE")
	shop := s.shop(w)
	s.receive(w, p, 3)
	status, body := s.place(shop, lines(p, 2))
	if status != http.StatusCreated || !strings.Contains(string(body), `"reserved"`) {
		t.Fatalf("order after poison = %d %s, want 201 reserved", status, body)
	}
	s.expectLevel(p, w, 3, 2)

	consumer, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics(string(topics.DeadLetters)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	for len(want) > 0 && ctx.Err() == nil {
		consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			dl, err := schemas.DeadLetterCodec.Unmarshal(r.Value)
			if err != nil {
				t.Errorf("dead letter undecodable: %v", err)
				return
			}
			if dl.GetKey() != string(r.Key) || dl.GetGroup() == "" || dl.GetError() == "" || dl.GetOffset() < 0 {
				t.Errorf("dead letter %v lacks its origin", dl)
			}
			delete(want, dl.GetSourceTopic()+" "+dl.GetKey())
		})
	}
	if len(want) > 0 {
		t.Fatalf("not dead-lettered: %v", want)
	}
	_, metrics := s.call(http.MethodGet, "/metrics", nil, nil)
	for _, in := range processorInputs {
		series := fmt.Sprintf(`stockflow_processor_messages_total{group=%q,result="dead_letter",topic=%q}`, in.group, in.topic)
		if !strings.Contains(string(metrics), series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}
