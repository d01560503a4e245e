package timer

import "container/heap"

// Deadline is one pending deadline: ExpireOrder is due for OrderID at
// DueUnixMs.
type Deadline struct {
	DueUnixMs int64
	OrderID   string
}

// Pending is the scheduler's in-memory set of pending deadlines: the
// latest deadline of each order, and a min-heap of them by due time.
// Deleting or moving a deadline leaves its old heap entry behind; stale
// entries are dropped when they reach the top, and the heap is rebuilt
// from the live set when stale entries outnumber live ones, so it never
// holds more than about twice the pending deadlines. Pending is not safe
// for concurrent use.
type Pending struct {
	due  map[string]int64
	heap deadlineHeap
}

// compactFloor is the heap size below which stale entries are never
// compacted away (rebuilding a small heap buys nothing).
const compactFloor = 1024

// NewPending returns an empty set.
func NewPending() *Pending { return &Pending{due: map[string]int64{}} }

// Len is the number of pending deadlines.
func (p *Pending) Len() int { return len(p.due) }

// HeapLen is the number of heap entries, stale ones included.
func (p *Pending) HeapLen() int { return len(p.heap) }

// Set records the order's deadline, replacing any earlier one. Setting
// the same deadline again costs nothing. O(log n).
func (p *Pending) Set(orderID string, dueUnixMs int64) {
	if d, ok := p.due[orderID]; ok && d == dueUnixMs {
		return
	}
	p.due[orderID] = dueUnixMs
	heap.Push(&p.heap, Deadline{DueUnixMs: dueUnixMs, OrderID: orderID})
	p.compact()
}

// SetIfAbsent records the order's deadline unless it has one.
func (p *Pending) SetIfAbsent(orderID string, dueUnixMs int64) {
	if _, ok := p.due[orderID]; !ok {
		p.Set(orderID, dueUnixMs)
	}
}

// Delete forgets the order's deadline. Its heap entry is removed lazily.
// O(1) amortized.
func (p *Pending) Delete(orderID string) {
	if _, ok := p.due[orderID]; !ok {
		return
	}
	delete(p.due, orderID)
	p.compact()
}

// PopDue removes and returns up to limit deadlines due at or before
// nowUnixMs, earliest first (limit <= 0: all). O(k log n) for k entries
// popped, whatever the number pending.
func (p *Pending) PopDue(nowUnixMs int64, limit int) []Deadline {
	var out []Deadline
	for len(p.heap) > 0 && p.heap[0].DueUnixMs <= nowUnixMs && (limit <= 0 || len(out) < limit) {
		d := heap.Pop(&p.heap).(Deadline)
		if due, ok := p.due[d.OrderID]; !ok || due != d.DueUnixMs {
			continue // deleted or moved: a stale entry
		}
		delete(p.due, d.OrderID)
		out = append(out, d)
	}
	return out
}

// compact rebuilds the heap from the live deadlines once stale entries
// outnumber them: O(n) at most once per n deletes or moves.
func (p *Pending) compact() {
	if len(p.heap) < compactFloor || len(p.heap) <= 2*len(p.due) {
		return
	}
	h := make(deadlineHeap, 0, len(p.due))
	for id, due := range p.due {
		h = append(h, Deadline{DueUnixMs: due, OrderID: id})
	}
	heap.Init(&h)
	p.heap = h
}

// deadlineHeap orders deadlines by due time, then order id.
type deadlineHeap []Deadline

func (h deadlineHeap) Len() int { return len(h) }

func (h deadlineHeap) Less(i, j int) bool {
	if h[i].DueUnixMs != h[j].DueUnixMs {
		return h[i].DueUnixMs < h[j].DueUnixMs
	}
	return h[i].OrderID < h[j].OrderID
}

func (h deadlineHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

func (h *deadlineHeap) Push(x any) { *h = append(*h, x.(Deadline)) }

func (h *deadlineHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = Deadline{}
	*h = old[:len(old)-1]
	return d
}
