package api

import (
	"context"
	"errors"
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

// request produces cmd and waits for the first outcome on correlationID
// that done accepts (any outcome when done is nil).
func (s *server) request(ctx context.Context, topic goka.Stream, key, correlationID string, cmd proto.Message, done func(*pb.Outcome) bool) (*pb.Outcome, error) {
	outcomes, stop := s.Watcher.Watch(correlationID)
	defer stop()
	if err := s.Sender.Send(ctx, topic, key, cmd); err != nil {
		return nil, huma.Error503ServiceUnavailable("the command could not be queued; retry with the same Idempotency-Key", err)
	}
	timer := time.NewTimer(s.WaitTimeout)
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
