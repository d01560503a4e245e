package orders_test

import (
	"testing"

	"github.com/stockflow/stockflow/processors/orders"
)

// BenchmarkPlaceAndReserve runs a three-line order from placement to reserved.
func BenchmarkPlaceAndReserve(b *testing.B) {
	p := place(line("p1", 2, "w1", "w2"), line("p2", 1, "w1"), line("p3", 5, "w2"))
	b.ReportAllocs()
	for b.Loop() {
		s, _, err := orders.Place("o1", p, now)
		if err != nil {
			b.Fatal(err)
		}
		orders.OnReply(s, answering(s, reply("p1", "w1", 2)), now)
		orders.OnReply(s, answering(s, reply("p2", "w1", 1)), now)
		orders.OnReply(s, answering(s, reply("p3", "w2", 5)), now)
		if s.GetOrder().GetStatus() != reserved {
			b.Fatalf("status %v, want reserved", s.GetOrder().GetStatus())
		}
	}
}
