package timer

import (
	"sync/atomic"

	"github.com/lovoo/goka/storage"
)

// offsetStorage is the scheduler view's storage: it keeps no values (the
// scheduler holds the deadlines) and only the last offset applied, in
// memory. Each start therefore reads the table from its oldest offset,
// once: goka reads a view's offset again when it switches from recovery to
// following the table, and storage.Null's "nothing stored" would make it
// read the whole table a second time.
type offsetStorage struct {
	storage.Null
	offset atomic.Int64
	stored atomic.Bool
}

func newOffsetStorage(string, int32) (storage.Storage, error) { return &offsetStorage{}, nil }

// GetOffset returns the last offset applied, or def if none.
func (s *offsetStorage) GetOffset(def int64) (int64, error) {
	if !s.stored.Load() {
		return def, nil
	}
	return s.offset.Load(), nil
}

// SetOffset records the last offset applied.
func (s *offsetStorage) SetOffset(offset int64) error {
	s.offset.Store(offset)
	s.stored.Store(true)
	return nil
}
