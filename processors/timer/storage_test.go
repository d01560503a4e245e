package timer

import "testing"

func TestOffsetStorageResumesWhereTheViewLeftOff(t *testing.T) {
	t.Parallel()
	st, _ := newOffsetStorage("timer-table", 0)
	if off, _ := st.GetOffset(-1); off != -1 {
		t.Fatalf("a fresh storage has offset %d, want the default (read from the oldest)", off)
	}
	_ = st.SetOffset(41)
	_ = st.Set("o1", []byte("x"))
	if off, _ := st.GetOffset(-1); off != 41 {
		t.Fatalf("offset %d after applying 41, want 41 (so catching up does not read the table again)", off)
	}
	if v, _ := st.Get("o1"); v != nil {
		t.Fatalf("the storage kept a value: %q", v)
	}
}
