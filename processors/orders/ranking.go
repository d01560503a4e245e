package orders

// Candidate is a warehouse an order line may reserve from, with what a
// (possibly lagging) view shows available there.
type Candidate struct {
	WarehouseID string
	Available   int64
}

// RankWarehouses orders a line's candidates: those showing the whole
// quantity first, then those with some, then the rest, each group in the
// shop's order. The stock processor decides; the ranking only saves round
// trips.
func RankWarehouses(qty int64, cands []Candidate) []string {
	var full, some, none []string
	for _, c := range cands {
		switch {
		case c.Available >= qty:
			full = append(full, c.WarehouseID)
		case c.Available > 0:
			some = append(some, c.WarehouseID)
		default:
			none = append(none, c.WarehouseID)
		}
	}
	return append(append(full, some...), none...)
}

// Shortfall reports what the candidates show available in total and
// whether that is less than qty. The API refuses such a line at once (a
// sold-out product answers without a round trip through Kafka); only the
// stock processor grants stock, so a lagging view can cost a customer a
// refusal in the milliseconds after a release, never an oversell.
func Shortfall(qty int64, cands []Candidate) (available int64, short bool) {
	for _, c := range cands {
		available += max(c.Available, 0)
	}
	return available, available < qty
}
