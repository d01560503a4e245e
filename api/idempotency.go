package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// claimKey binds an Idempotency-Key, within scope (the operation), to the
// request identified by parts before the command it guards is produced:
// the same key with the same request proceeds (a retry, which the
// processor deduplicates by id); with another request it is a 422 naming
// the header, and nothing is produced. Without a key it does nothing.
func (s *server) claimKey(ctx context.Context, scope, key string, parts ...any) error {
	if key == "" {
		return nil
	}
	cid := newID("", "")
	claim := &pb.KeyCommand{
		CommandId: cid, CorrelationId: cid, Key: scope + "/" + key,
		RequestHash: hashOf(parts...), IssuedAtUnixMs: nowMs(),
	}
	o, err := s.request(ctx, topics.IdempotencyCommands, claim.Key, cid, claim, nil)
	if errors.Is(err, errPending) {
		secs := strconv.Itoa(int(notQueuedRetryAfter.Seconds()))
		return huma.ErrorWithHeaders(
			huma.NewError(http.StatusServiceUnavailable, "the Idempotency-Key could not be checked in time; nothing was done; retry after "+secs+" seconds with the same key"),
			http.Header{"Retry-After": []string{secs}})
	}
	if err != nil {
		return err
	}
	if p := o.GetProblem(); p != nil {
		if p.GetCode() == pb.ErrorCode_ERROR_CODE_CONFLICT {
			return keyReused(key)
		}
		return problemError(p)
	}
	if o.GetKeyClaim() == nil {
		return unexpectedOutcome(o)
	}
	return nil
}

// hashed is an entity that remembers the hash of the request that made it.
type hashed interface {
	comparable
	GetRequestHash() string
}

// madeBefore reads the entity an earlier attempt with the same
// Idempotency-Key made under id: ok when there is one, and a 422 naming the
// header when that attempt asked for something else (hash differs).
func madeBefore[T hashed](read func(id string) (T, bool, error), id, hash, key string) (v T, ok bool, err error) {
	if v, ok, err = read(id); err == nil && ok && v.GetRequestHash() != hash {
		err = keyReused(key)
	}
	return v, ok, err
}

// hashOf is the SHA-256 (hex) of parts, each quoted, so that ("a b", "c")
// and ("a", "b c") differ.
func hashOf(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%q\n", fmt.Sprint(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
