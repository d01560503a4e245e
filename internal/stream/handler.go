package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Callback applies one decoded message. It returns an error only when the
// message is poison: it cannot be applied at all (wrong key, no kind, an
// enum value the code does not know, missing or out-of-range fields, a
// command for an entity that does not exist). It must then not have
// changed state; it may have answered a waiting caller with a problem on
// outcomes (see Reject), but emitted nothing else. Business refusals are
// not errors: they are outcomes the callback emits itself.
type Callback[PT any] func(ctx goka.Context, msg PT) error

// Input declares a goka input edge whose messages are decoded by the
// callback's own codec. Undecodable or inapplicable messages go to the
// dead-letters topic and the offset moves on.
func Input[T any, PT schemas.Message[T]](group goka.Group, topic goka.Stream, fn Callback[PT]) goka.Edge {
	var c schemas.Codec[T, PT]
	applied := metrics.ProcessorMessages.WithLabelValues(string(group), string(topic), "ok")
	deadLettered := metrics.ProcessorMessages.WithLabelValues(string(group), string(topic), "dead_letter")
	return goka.Input(topic, new(codec.Bytes), func(ctx goka.Context, raw any) {
		data, _ := raw.([]byte)
		msg, err := c.Unmarshal(data)
		if err == nil {
			err = fn(ctx, msg)
		}
		if err != nil {
			deadLetter(ctx, group, data, err)
			deadLettered.Inc()
			return
		}
		applied.Inc()
	})
}

// Reject answers a poison command's caller, when it names one, with
// problem on the outcomes topic (so a request waiting on it fails at once
// instead of timing out) and returns cause as an inapplicable-message
// error, for the Callback to return: the message is then dead-lettered.
// The group must declare the outcomes output.
func Reject(ctx goka.Context, correlationID string, problem *pb.Problem, cause error) error {
	if correlationID != "" {
		ctx.Emit(topics.Outcomes, correlationID, &pb.Outcome{CorrelationId: correlationID, Result: &pb.Outcome_Problem{Problem: problem}})
	}
	return Inapplicable(cause)
}

// DeadLetterOutput is the output edge every processor needs for Input.
func DeadLetterOutput() goka.Edge {
	return goka.Output(topics.DeadLetters, schemas.DeadLetterCodec)
}

func deadLetter(ctx goka.Context, group goka.Group, data []byte, cause error) {
	slog.Warn("dead-lettering message", "group", group, "topic", ctx.Topic(),
		"partition", ctx.Partition(), "offset", ctx.Offset(), "key", ctx.Key(), "error", cause)
	ctx.Emit(topics.DeadLetters, ctx.Key(), &pb.DeadLetter{
		SourceTopic: string(ctx.Topic()),
		Partition:   ctx.Partition(),
		Offset:      ctx.Offset(),
		Key:         ctx.Key(),
		Value:       data,
		Group:       string(group),
		Error:       cause.Error(),
		AtUnixMs:    time.Now().UnixMilli(),
	})
}

// ErrInapplicable is wrapped by every error a Callback returns for a
// poison message (Errorf, Reject).
var ErrInapplicable = errors.New("inapplicable message")

// Errorf builds the error a Callback returns for an inapplicable message.
func Errorf(format string, args ...any) error {
	return Inapplicable(fmt.Errorf(format, args...))
}

// Inapplicable marks err, a rule's refusal of a message that cannot be
// applied at all, as the error a Callback returns for it.
func Inapplicable(err error) error {
	return fmt.Errorf("%w: %w", ErrInapplicable, err)
}

// Source names the input partition a callback is applying, "<topic>/<partition>":
// with the message's offset it stamps the commands a saga sends, so that a
// re-send can be recognised by the level that applied the original.
func Source(ctx goka.Context) string {
	return string(ctx.Topic()) + "/" + strconv.Itoa(int(ctx.Partition()))
}
