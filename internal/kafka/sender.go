package kafka

import (
	"context"
	"fmt"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
)

// Sender produces commands synchronously: Send returns once the broker has
// acknowledged the record.
type Sender struct {
	Client *kgo.Client
}

// Send produces msg to topic under key and waits for the acknowledgement.
func (s Sender) Send(ctx context.Context, topic goka.Stream, key string, msg proto.Message) error {
	value, err := proto.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode %T: %w", msg, err)
	}
	rec := &kgo.Record{Topic: string(topic), Key: []byte(key), Value: value}
	if err := s.Client.ProduceSync(ctx, rec).FirstErr(); err != nil {
		metrics.CommandsProduced.WithLabelValues(string(topic), "error").Inc()
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	metrics.CommandsProduced.WithLabelValues(string(topic), "ok").Inc()
	return nil
}
