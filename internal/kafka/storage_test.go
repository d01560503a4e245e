package kafka

import (
	"testing"
	"time"
)

func TestBufferedStorageReadsPendingWritesAndStoresThemWithTheOffset(t *testing.T) {
	dir := t.TempDir()
	build := bufferedStorageBuilder(dir)
	st, err := build("table", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Open(); err != nil {
		t.Fatal(err)
	}
	bs := st.(*bufferedStorage)
	bs.interval = time.Hour // only explicit flushes

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Set("a", []byte("1")))
	must(st.Set("b", []byte("2")))
	must(st.Delete("b"))
	must(st.SetOffset(41))
	if v, _ := st.Get("a"); string(v) != "1" {
		t.Fatalf("pending a = %q", v)
	}
	if ok, _ := st.Has("b"); ok {
		t.Fatal("deleted b is still there")
	}
	if off, _ := st.GetOffset(-1); off != 41 {
		t.Fatalf("offset = %d", off)
	}
	// Nothing reached LevelDB yet.
	if v, _ := bs.Storage.Get("a"); v != nil {
		t.Fatalf("a reached LevelDB before a flush: %q", v)
	}
	// An iterator sees every write made before it.
	it, err := st.IteratorWithRange([]byte("a"), nil)
	must(err)
	var keys []string
	for it.Next() {
		keys = append(keys, string(it.Key()))
	}
	it.Release()
	if len(keys) != 1 || keys[0] != "a" {
		t.Fatalf("iterator keys = %v", keys)
	}
	must(st.Set("c", []byte("3")))
	must(st.SetOffset(42))
	must(st.MarkRecovered())
	must(st.Close())

	// Reopened: the values and the offset, all flushed.
	st, err = build("table", 0)
	must(err)
	must(st.Open())
	defer st.Close()
	for k, want := range map[string]string{"a": "1", "c": "3"} {
		if v, _ := st.Get(k); string(v) != want {
			t.Errorf("%s = %q after reopen, want %q", k, v, want)
		}
	}
	if v, _ := st.Get("b"); v != nil {
		t.Errorf("b = %q after reopen", v)
	}
	if off, _ := st.GetOffset(-1); off != 42 {
		t.Errorf("offset after reopen = %d, want 42", off)
	}
}

func TestBufferedStorageFlushesOnItsOwn(t *testing.T) {
	st, err := bufferedStorageBuilder(t.TempDir())("table", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs := st.(*bufferedStorage)
	if err := st.Set("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := st.SetOffset(7); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := bs.Storage.Get("k")
		off, _ := bs.Storage.Get(offsetKey)
		if string(v) == "v" && string(off) == "7" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not flushed after 5 s: value %q offset %q", v, off)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBufferedStorageFlushesWhenManyArePending(t *testing.T) {
	st, err := bufferedStorageBuilder(t.TempDir())("table", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs := st.(*bufferedStorage)
	bs.interval = time.Hour
	for i := range storageFlushEntries {
		if err := st.Set(string(rune('a'+i%26))+string(rune(i)), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	bs.mu.Lock()
	n := bs.batch.Len()
	bs.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d writes still pending after %d", n, storageFlushEntries)
	}
}

// goka marks a partition recovered a second time when its consumer fails
// as it closes after the first mark; goka's own storage panics on that
// ("close of closed channel"), so the buffered storage marks it once.
func TestBufferedStorageTakesASecondRecoveryMark(t *testing.T) {
	st, err := bufferedStorageBuilder(t.TempDir())("table", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Open(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetOffset(7); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := st.MarkRecovered(); err != nil {
			t.Fatalf("mark %d: %v", i+1, err)
		}
	}
	if off, err := st.(*bufferedStorage).Storage.GetOffset(-1); err != nil || off != 7 {
		t.Fatalf("stored offset %d, %v; want 7", off, err)
	}
}
