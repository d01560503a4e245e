package api

import (
	"context"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// write is one command whose outcome carries the entity it changed: what
// to send, which outcome ends the wait, and where the entity is read back.
type write struct {
	topic goka.Stream
	// key is the command's Kafka key: the processor key that owns the entity.
	key           string
	correlationID string
	cmd           proto.Message
	// done picks the outcome that answers the request; nil takes the first.
	done func(*pb.Outcome) bool
	// view and viewKey are where the changed entity is read back.
	view    Table
	viewKey string
	// location is where a client polls the entity; a 202's Location.
	location string
}

// apply sends w's command and returns the entity that entity finds in its
// outcome, once the view shows that version of it (read-your-writes: a GET
// after the answer sees the change). A refused command is its problem, a
// late outcome a 202 with w.location, an unsent command a 503.
func apply[T interface {
	comparable
	versioned
}](ctx context.Context, s *server, w write, entity func(*pb.Outcome) T) (T, error) {
	var none T
	o, err := s.request(ctx, w.topic, w.key, w.correlationID, w.cmd, w.done)
	if err != nil {
		return none, pendingAsAccepted(err, w.location)
	}
	v := entity(o)
	if v == none {
		return none, unexpectedOutcome(o)
	}
	s.awaitVersion(ctx, w.view, w.viewKey, v.GetVersion())
	return v, nil
}
