package timer_test

import (
	"fmt"
	"testing"

	"github.com/stockflow/stockflow/processors/timer"
)

func ids(ds []timer.Deadline) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.OrderID
	}
	return out
}

func equal(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func TestPendingPopsDueDeadlinesEarliestFirst(t *testing.T) {
	t.Parallel()
	p := timer.NewPending()
	p.Set("c", 300)
	p.Set("a", 100)
	p.Set("b", 200)
	p.Set("z", 100)
	p.Set("late", 1000)
	if got := ids(p.PopDue(99, 0)); len(got) != 0 {
		t.Fatalf("popped %v before anything was due", got)
	}
	if got := ids(p.PopDue(300, 0)); !equal(got, []string{"a", "z", "b", "c"}) {
		t.Fatalf("popped %v, want a z b c", got)
	}
	if p.Len() != 1 || p.HeapLen() != 1 {
		t.Fatalf("pending %d (heap %d), want only late", p.Len(), p.HeapLen())
	}
}

func TestPendingKeepsOneDeadlinePerOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		do   func(p *timer.Pending)
		want []string
	}{
		{"a_duplicate_set_fires_once", func(p *timer.Pending) { p.Set("o1", 100); p.Set("o1", 100) }, []string{"o1"}},
		{"a_deleted_deadline_never_fires", func(p *timer.Pending) { p.Set("o1", 100); p.Delete("o1") }, nil},
		{"a_moved_deadline_fires_once_at_its_new_time", func(p *timer.Pending) { p.Set("o1", 100); p.Set("o1", 150) }, []string{"o1"}},
		{"a_deadline_moved_past_now_does_not_fire", func(p *timer.Pending) { p.Set("o1", 100); p.Set("o1", 500) }, nil},
		{"set_if_absent_keeps_the_known_deadline", func(p *timer.Pending) { p.Set("o1", 500); p.SetIfAbsent("o1", 100) }, nil},
		{"set_if_absent_restores_a_popped_deadline", func(p *timer.Pending) {
			p.Set("o1", 100)
			p.SetIfAbsent("o1", p.PopDue(100, 0)[0].DueUnixMs)
		}, []string{"o1"}},
		{"a_deleted_then_rescheduled_deadline_fires", func(p *timer.Pending) { p.Set("o1", 100); p.Delete("o1"); p.Set("o1", 100) }, []string{"o1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := timer.NewPending()
			c.do(p)
			if got := ids(p.PopDue(200, 0)); !equal(got, c.want) {
				t.Fatalf("fired %v, want %v", got, c.want)
			}
		})
	}
}

func TestPendingRemovesDeletedEntriesLazily(t *testing.T) {
	t.Parallel()
	p := timer.NewPending()
	for i := range 10 {
		p.Set(fmt.Sprint("o", i), int64(100+i))
	}
	for i := range 9 {
		p.Delete(fmt.Sprint("o", i))
	}
	if p.Len() != 1 || p.HeapLen() != 10 {
		t.Fatalf("pending %d, heap %d; want 1 live among 10 entries (small heaps are not compacted)", p.Len(), p.HeapLen())
	}
	if got := ids(p.PopDue(1000, 0)); !equal(got, []string{"o9"}) || p.HeapLen() != 0 {
		t.Fatalf("fired %v, heap %d; want o9 and an empty heap", got, p.HeapLen())
	}
}

func TestPendingHeapStaysWithinTwiceTheLiveDeadlines(t *testing.T) {
	t.Parallel()
	p := timer.NewPending()
	const n = 10_000
	for i := range n {
		p.Set(fmt.Sprint("o", i), int64(i))
	}
	for i := range n - 10 {
		p.Delete(fmt.Sprint("o", i))
		if p.HeapLen() > max(2*p.Len(), 1024) {
			t.Fatalf("heap holds %d entries for %d deadlines", p.HeapLen(), p.Len())
		}
	}
	if got := p.PopDue(n, 0); len(got) != 10 || got[0].OrderID != "o9990" {
		t.Fatalf("fired %d deadlines starting %v, want the 10 left from o9990", len(got), got)
	}
}

func TestPendingPopsAtMostTheLimit(t *testing.T) {
	t.Parallel()
	p := timer.NewPending()
	for i := range 5 {
		p.Set(fmt.Sprint("o", i), 100)
	}
	if a, b := p.PopDue(100, 3), p.PopDue(100, 3); len(a) != 3 || len(b) != 2 {
		t.Fatalf("batches of %d and %d, want 3 and 2", len(a), len(b))
	}
}
