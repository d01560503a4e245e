package kafka

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/lovoo/goka/storage"
	"github.com/syndtr/goleveldb/leveldb"
)

// Local tables (goka processors' and views' LevelDB copies) buffer their
// writes and apply them to LevelDB in one batch every storageFlushInterval,
// or sooner once storageFlushEntries are pending.
//
// goka writes a table's local copy once per message and once more per
// acknowledged changelog write (its offset), each a LevelDB Put with its
// own journal write(2): about twenty per reservation across the stock,
// orders and timer tables and the views of them. None of them is needed for
// durability: a processor group's tables are wiped and restored from Kafka
// after an unclean shutdown (system/state.go), and a view restarts from
// whatever consistent prefix it finds. Every flush writes the pending
// values and the latest offset in one atomic LevelDB batch, and goka sets
// an offset only after the value written at it, so the stored offset never
// runs ahead of the stored values: local state is still a prefix of the
// changelog, as with goka's own storage (which persists the offset only
// every 30 s while recovering).
const (
	storageFlushInterval = 20 * time.Millisecond
	storageFlushEntries  = 4096
)

// offsetKey is where goka's LevelDB storage keeps a table's offset.
const offsetKey = "__offset"

// bufferedStorageBuilder opens LevelDB tables under path as goka's default
// builder does, and buffers their writes (see storageFlushInterval).
func bufferedStorageBuilder(path string) storage.Builder {
	return func(topic string, partition int32) (storage.Storage, error) {
		db, err := leveldb.OpenFile(filepath.Join(path, fmt.Sprintf("%s.%d", topic, partition)), nil)
		if err != nil {
			return nil, fmt.Errorf("error opening leveldb: %v", err)
		}
		inner, err := storage.New(db)
		if err != nil {
			return nil, err
		}
		return newBufferedStorage(inner, db, storageFlushInterval), nil
	}
}

// bufferedStorage is a goka storage.Storage over LevelDB whose writes are
// kept in memory and applied in batches. Reads see pending writes; an
// iterator is only made after a flush, so it sees them too.
type bufferedStorage struct {
	storage.Storage // goka's LevelDB storage over db: reads, iterators, recovery marks
	db              *leveldb.DB
	interval        time.Duration

	mu      sync.Mutex
	pending map[string][]byte // nil: deleted
	batch   leveldb.Batch
	offset  int64
	hasOff  bool // offset was set (reads answer it)
	dirty   bool // offset not yet flushed
	timer   *time.Timer
	closed  bool
	err     error // a failed flush, returned by every later write

	markMu sync.Mutex
	marked bool // goka's storage has been marked recovered (MarkRecovered)
}

func newBufferedStorage(inner storage.Storage, db *leveldb.DB, interval time.Duration) *bufferedStorage {
	return &bufferedStorage{Storage: inner, db: db, interval: interval, pending: map[string][]byte{}}
}

// Has reports whether key holds a value, pending writes included.
func (s *bufferedStorage) Has(key string) (bool, error) {
	s.mu.Lock()
	v, ok := s.pending[key]
	s.mu.Unlock()
	if ok {
		return v != nil, nil
	}
	return s.Storage.Has(key)
}

// Get returns key's value, pending writes included; nil when there is none.
func (s *bufferedStorage) Get(key string) ([]byte, error) {
	s.mu.Lock()
	v, ok := s.pending[key]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	return s.Storage.Get(key)
}

// Set stores value under key at the next flush.
func (s *bufferedStorage) Set(key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return s.write(key, value)
}

// Delete removes key at the next flush.
func (s *bufferedStorage) Delete(key string) error { return s.write(key, nil) }

func (s *bufferedStorage) write(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.pending[key] = value
	if value == nil {
		s.batch.Delete([]byte(key))
	} else {
		s.batch.Put([]byte(key), value)
	}
	return s.scheduleLocked()
}

// SetOffset records the table's offset; it is stored with the next flush,
// in the same batch as every value set before it.
func (s *bufferedStorage) SetOffset(offset int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.offset, s.hasOff, s.dirty = offset, true, true
	return s.scheduleLocked()
}

// GetOffset returns the latest offset set, or the stored one.
func (s *bufferedStorage) GetOffset(def int64) (int64, error) {
	s.mu.Lock()
	off, ok := s.offset, s.hasOff
	s.mu.Unlock()
	if ok {
		return off, nil
	}
	return s.Storage.GetOffset(def)
}

// MarkRecovered flushes, then lets goka's storage mark the recovery, once.
// goka marks a partition recovered again when its consumer reports an
// error as it is closed after the first mark (a broker cut at that moment:
// PartitionTable.load's deferred drain fails the load, and a view with
// auto-reconnect loads and marks again), and goka's storage closes a
// channel on every mark: the second one panicked an API in the fault
// suite. The flush already stores the offset, so a second mark has nothing
// left to do.
func (s *bufferedStorage) MarkRecovered() error {
	if err := s.Flush(); err != nil {
		return err
	}
	s.markMu.Lock()
	defer s.markMu.Unlock()
	if s.marked {
		return nil
	}
	if err := s.Storage.MarkRecovered(); err != nil {
		return err
	}
	s.marked = true
	return nil
}

// Iterator flushes, then iterates over LevelDB.
func (s *bufferedStorage) Iterator() (storage.Iterator, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	return s.Storage.Iterator()
}

// IteratorWithRange flushes, then iterates over LevelDB.
func (s *bufferedStorage) IteratorWithRange(start, limit []byte) (storage.Iterator, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	return s.Storage.IteratorWithRange(start, limit)
}

// Close flushes and closes LevelDB.
func (s *bufferedStorage) Close() error {
	flushErr := s.Flush()
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	closeErr := s.Storage.Close()
	if flushErr != nil {
		return flushErr
	}
	return closeErr
}

// Flush applies every pending write and the offset in one LevelDB batch.
func (s *bufferedStorage) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

// scheduleLocked flushes at once when enough is pending, else arms the
// flush timer if it is not armed.
func (s *bufferedStorage) scheduleLocked() error {
	if s.batch.Len() >= storageFlushEntries {
		return s.flushLocked()
	}
	if s.timer == nil && !s.closed {
		s.timer = time.AfterFunc(s.interval, s.flushFromTimer)
	}
	return nil
}

func (s *bufferedStorage) flushFromTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if s.closed {
		return
	}
	if err := s.flushLocked(); err != nil {
		slog.Error("local table: flushing buffered writes failed; the processor stops at its next write", "error", err)
	}
}

func (s *bufferedStorage) flushLocked() error {
	if s.err != nil {
		return s.err
	}
	if s.batch.Len() == 0 && !s.dirty {
		return nil
	}
	if s.dirty {
		s.batch.Put([]byte(offsetKey), []byte(strconv.FormatInt(s.offset, 10)))
	}
	if err := s.db.Write(&s.batch, nil); err != nil {
		s.err = fmt.Errorf("write local table batch: %w", err)
		return s.err
	}
	s.batch.Reset()
	clear(s.pending)
	s.dirty = false
	return nil
}
