package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// errPending reports that a command was queued but its outcome did not
// arrive within WaitTimeout; handlers answer 202 Accepted.
var errPending = errors.New("outcome not known yet")

// notQueuedRetryAfter is the Retry-After of a 503 for a command that could
// not be produced: long enough for a broker to fail over, short enough for
// a client to notice its return.
const notQueuedRetryAfter = 2 * time.Second

// request produces cmd and waits for the first outcome on correlationID
// that done accepts (any outcome when done is nil). Producing and waiting
// share one deadline, WaitTimeout from now: a command not acknowledged by
// then is a 503 with Retry-After; one acknowledged whose outcome is late
// is errPending (202).
func (s *server) request(ctx context.Context, topic goka.Stream, key, correlationID string, cmd proto.Message, done func(*pb.Outcome) bool) (*pb.Outcome, error) {
	outcomes, stop := s.Watcher.Watch(correlationID)
	defer stop()
	deadline := time.Now().Add(s.WaitTimeout)
	if err := s.send(ctx, deadline, topic, key, cmd); err != nil {
		return nil, err
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case o := <-outcomes:
			if done == nil || done(o) {
				metrics.OutcomeWaits.WithLabelValues("answered").Inc()
				return o, nil
			}
		case <-timer.C:
			metrics.OutcomeWaits.WithLabelValues("timeout").Inc()
			return nil, errPending
		case <-ctx.Done():
			return nil, errPending
		}
	}
}

// send produces cmd, giving up at deadline even if the producer does not
// (a record already in flight to a vanished broker waits for its request
// timeout). A command not acknowledged by then may or may not be in Kafka;
// a retry with the same Idempotency-Key is applied at most once.
func (s *server) send(ctx context.Context, deadline time.Time, topic goka.Stream, key string, cmd proto.Message) error {
	sendCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- s.Sender.Send(sendCtx, topic, key, cmd) }()
	var err error
	select {
	case err = <-result:
	case <-sendCtx.Done():
		err = sendCtx.Err()
	}
	if err == nil {
		return nil
	}
	metrics.OutcomeWaits.WithLabelValues("not_queued").Inc()
	slog.WarnContext(ctx, "command not queued", "topic", string(topic), "key", key, "err", err)
	return notQueued()
}

// notQueued is the 503 for a command that could not be produced.
func notQueued() error {
	secs := strconv.Itoa(int(notQueuedRetryAfter.Seconds()))
	return huma.ErrorWithHeaders(
		huma.NewError(http.StatusServiceUnavailable, "the command could not be queued (Kafka is unreachable); retry after "+secs+" seconds with the same Idempotency-Key"),
		http.Header{"Retry-After": []string{secs}})
}
