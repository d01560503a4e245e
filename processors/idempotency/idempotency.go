// Package idempotency is the Idempotency-Key registry: the goka group keyed
// by "<scope>/<key>" that binds each key to the request it first came with.
// The API claims a key before producing the command it guards; a claim for
// another request is refused, so a reused key never creates or changes
// anything else.
package idempotency

import (
	"time"

	"github.com/lovoo/goka"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Graph is the idempotency processor's goka group graph.
func Graph() *goka.GroupGraph {
	return goka.DefineGroup(topics.IdempotencyGroup,
		stream.Input(topics.IdempotencyGroup, topics.IdempotencyCommands, entity.Callback),
		goka.Persist(schemas.KeyClaimCodec),
		goka.Output(topics.Outcomes, schemas.OutcomeCodec),
		stream.DeadLetterOutput(),
	)
}

// Refusals of the key rules.
var (
	// ErrNoHash: a claim without a request hash (a producer bug).
	ErrNoHash = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_INVALID, Msg: "key command has no request hash"}
	// ErrKeyReused: the key is bound to another request.
	ErrKeyReused = &stream.Refusal{Code: pb.ErrorCode_ERROR_CODE_CONFLICT, Field: "Idempotency-Key", Msg: "Idempotency-Key was already used for a different request"}
)

// Apply is the pure rule: the first claim of a key wins; a repeat with the
// same request hash returns it; another request hash is ErrKeyReused.
func Apply(c *pb.KeyClaim, cmd *pb.KeyCommand, now time.Time) (*pb.KeyClaim, error) {
	if cmd.GetRequestHash() == "" {
		return nil, ErrNoHash
	}
	if c == nil {
		return &pb.KeyClaim{Key: cmd.GetKey(), RequestHash: cmd.GetRequestHash(), ClaimedAtUnixMs: now.UnixMilli(), Version: 1}, nil
	}
	if c.GetRequestHash() != cmd.GetRequestHash() {
		return nil, ErrKeyReused
	}
	return c, nil
}

var entity = stream.Entity[*pb.KeyCommand, *pb.KeyClaim]{
	Key:   (*pb.KeyCommand).GetKey,
	Apply: Apply,
	Outcome: func(c *pb.KeyClaim) *pb.Outcome {
		return &pb.Outcome{Result: &pb.Outcome_KeyClaim{KeyClaim: c}}
	},
}
