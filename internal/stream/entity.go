package stream

import (
	"time"

	"github.com/lovoo/goka"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// EntityCommand is a command addressed to one entity by its key.
type EntityCommand interface {
	GetCorrelationId() string
}

// Versioned is an entity whose version grows on every change.
type Versioned interface {
	comparable
	GetVersion() int64
}

// Entity describes a simple entity processor: one command stream, one
// table, a pure rule, and an outcome per command.
type Entity[C EntityCommand, E Versioned] struct {
	// Key is the entity id the command addresses.
	Key func(C) string
	// Apply is the pure rule: the entity after the command, or why it is
	// refused (a Refusal, mapped by ProblemOf).
	Apply func(E, C, time.Time) (E, error)
	// Outcome wraps the entity as an outcome result.
	Outcome func(E) *pb.Outcome
}

// Callback applies the rule, stores the entity when its version changed and
// answers on the outcomes topic. A command on another entity's key, or one
// the rule refuses as poison (see Poison), is dead-lettered; the caller
// still gets the problem.
func (e Entity[C, E]) Callback(ctx goka.Context, cmd C) error {
	if e.Key(cmd) != ctx.Key() {
		return Errorf("command for %q arrived on key %q", e.Key(cmd), ctx.Key())
	}
	var zero E
	before, _ := ctx.Value().(E)
	version := int64(0)
	if before != zero {
		version = before.GetVersion()
	}
	after, err := e.Apply(before, cmd, time.Now())
	if Poison(err) {
		return Reject(ctx, cmd.GetCorrelationId(), ProblemOf(err), err)
	}
	var out *pb.Outcome
	if err != nil {
		out = &pb.Outcome{Result: &pb.Outcome_Problem{Problem: ProblemOf(err)}}
	} else {
		if after.GetVersion() != version {
			ctx.SetValue(after)
		}
		out = e.Outcome(after)
	}
	if id := cmd.GetCorrelationId(); id != "" {
		out.CorrelationId = id
		ctx.Emit(topics.Outcomes, id, out)
	}
	return nil
}
