package api

import (
	"context"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// lookup reads key from t as a PT; ok is false when the key is absent.
func lookup[PT any](t Table, key string) (v PT, ok bool, err error) {
	raw, err := t.Get(key)
	if err != nil {
		return v, false, huma.Error503ServiceUnavailable(fmt.Sprintf("table read failed for %q", key), err)
	}
	v, ok = raw.(PT)
	return v, ok, nil
}

// find reads an entity that a request references: the entity, a 404
// naming the referencing field (kind names the entity in the message), or
// a 503 when the view cannot be read.
func find[PT any](t Table, kind, id, location string) (PT, error) {
	v, ok, err := lookup[PT](t, id)
	if err == nil && !ok {
		err = notFound(kind, id, location)
	}
	return v, err
}

// versioned is a table value that counts its changes.
type versioned interface {
	GetVersion() int64
}

// versionOf is the version of a table value: an entity's own, or that of
// the transfer a transfer saga's state holds.
func versionOf(v any) (int64, bool) {
	switch v := v.(type) {
	case versioned:
		return v.GetVersion(), true
	case *pb.TransferState:
		return v.GetTransfer().GetVersion(), v.GetTransfer() != nil
	}
	return 0, false
}

// viewPollInterval is how often awaitVersion re-reads the view.
const viewPollInterval = 2 * time.Millisecond

// awaitVersion waits, up to WaitTimeout, until the view of t holds key at
// version or later. A processor answered with that version, so the view is
// at most a moment behind; waiting gives callers read-your-writes: a GET
// after a 201 finds what was created. A timeout is not an error: the write
// happened, the view is only slow.
func (s *server) awaitVersion(ctx context.Context, t Table, key string, version int64) {
	deadline := time.Now().Add(s.WaitTimeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if raw, err := t.Get(key); err == nil {
			if v, ok := versionOf(raw); ok && v >= version {
				return
			}
		}
		time.Sleep(viewPollInterval)
	}
}
