package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// chConnection is a ClickHouse connection (nil: no sink in the run).
type chConnection = driver.Conn

// world is what the invariants are checked against.
type world struct {
	s                    *stack
	shop                 string
	products, warehouses []string
	perLevel             int64
	brokers              []string
	ch                   chConnection
}

// check is one invariant and whether it held.
type check struct {
	name string
	ok   bool
	// first failures, repeated under the summary table: CI keeps only the
	// tail of a run's output.
	first []string
}

// listedOrder is an order as GET /orders lists it.
type listedOrder struct {
	ID          string `json:"id"`
	ShopID      string `json:"shop_id"`
	Status      string `json:"status"`
	ExpiresAt   string `json:"expires_at"`
	Allocations []struct {
		ProductID   string `json:"product_id"`
		WarehouseID string `json:"warehouse_id"`
		Quantity    int64  `json:"quantity"`
	} `json:"allocations"`
}

// shopOrders pages through GET /orders and keeps the shop's.
func (w world) shopOrders() map[string]listedOrder {
	out := map[string]listedOrder{}
	cursor := ""
	for range 100_000 {
		var page struct {
			Items      []listedOrder `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		w.s.mustCall(http.StatusOK, http.MethodGet, "/orders?limit=500&cursor="+cursor, nil, &page)
		for _, o := range page.Items {
			if o.ShopID == w.shop {
				out[o.ID] = o
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return out
}

// checkFaultInvariants settles every request of the load with its key,
// waits for every unpaid order to expire, and checks, from the API, the
// stock-movements topic and ClickHouse:
//
//   - every request decided, every key answering one order or transfer;
//   - no order pending or reserved past its deadline; each acknowledged
//     pay or cancel applied (paid, cancelled), each unpaid order expired;
//   - for every product@warehouse, on_hand == received − committed −
//     transferred out + transferred in and reserved == the open holds;
//     no level below zero (no oversell);
//   - on the topic, every level's movements form one gapless chain of
//     versions ending at the API's level; every order's reserve, commit
//     and release and every transfer's debit and credit present exactly
//     once (by movement id, so redeliveries count once);
//   - ClickHouse's totals per level equal the API's.
func checkFaultInvariants(t *testing.T, w world, l *faultLoad) []check {
	var checks []check
	add := func(name string, failures []string) {
		checks = append(checks, check{name: name, ok: len(failures) == 0, first: failures[:min(3, len(failures))]})
		for i, f := range failures {
			if i == 10 {
				t.Errorf("%s: … %d more", name, len(failures)-10)
				break
			}
			t.Errorf("%s: %s", name, f)
		}
	}
	began := time.Now()
	undecided := l.settle()
	add(fmt.Sprintf("every request decided, retried with its key (%d orders, %d transfers; settled in %s)",
		len(l.orders), len(l.transfers), time.Since(began).Round(time.Second)), undecided)

	// Unpaid orders expire a TTL after they were placed; wait for them.
	var orders map[string]listedOrder
	var open []string
	for deadline := time.Now().Add(4 * time.Minute); ; time.Sleep(2 * time.Second) {
		orders = w.shopOrders()
		open = open[:0]
		for _, o := range orders {
			if o.Status == "pending" || o.Status == "reserved" {
				open = append(open, o.ID+" "+o.Status+" (expires "+o.ExpiresAt+")")
			}
		}
		if len(open) == 0 || time.Now().After(deadline) {
			break
		}
	}
	var late []string
	for _, s := range open {
		late = append(late, s+" still open 4 minutes after the load")
	}
	add("no order pending, none reserved past its deadline (every unpaid one expired)", late)

	// Orders: one per key, in the state its acknowledged requests say.
	var wrong []string
	rejected := 0
	for _, o := range l.orders {
		if o.idChanged != "" {
			wrong = append(wrong, o.idChanged)
		}
		switch o.placed {
		case http.StatusConflict:
			rejected++
			continue
		case http.StatusCreated:
		default:
			wrong = append(wrong, fmt.Sprintf("key %s: placement answered %d (%s)%s", o.key, o.placed, o.trail.String(), l.orderSeen(o.orderID)))
			continue
		}
		got, ok := orders[o.orderID]
		want := map[string]string{"pay": "paid", "cancel": "cancelled", "": "expired"}[o.intent]
		switch {
		case !ok:
			wrong = append(wrong, fmt.Sprintf("order %s (key %s) answered 201 but is not listed", o.orderID, o.key))
		case o.acked == http.StatusOK && got.Status != want:
			wrong = append(wrong, fmt.Sprintf("order %s: %s acknowledged, but it is %s", o.orderID, o.intent, got.Status))
		case o.acked != http.StatusOK && got.Status != "expired":
			wrong = append(wrong, fmt.Sprintf("order %s: nothing acknowledged (intent %q, answer %d), but it is %s", o.orderID, o.intent, o.acked, got.Status))
		}
	}
	listedRejected := 0
	for _, o := range orders {
		if o.Status == "rejected" {
			listedRejected++
		}
	}
	if len(orders) != len(l.orders) || listedRejected != rejected {
		wrong = append(wrong, fmt.Sprintf("%d orders listed (%d rejected) for %d keys (%d answered 409): want one per key",
			len(orders), listedRejected, len(l.orders), rejected))
	}
	add(fmt.Sprintf("every key one order, each acknowledged pay/cancel applied, the rest expired (%d orders)", len(orders)), wrong)

	// Transfers: one per key, completed when acknowledged with 201.
	ours := map[string]bool{}
	for _, p := range w.products {
		ours[p] = true
	}
	transfers := map[string]transferBody{}
	for _, tr := range w.s.allTransfers() {
		if ours[tr.ProductID] {
			transfers[tr.ID] = tr
		}
	}
	wrong = nil
	for _, tr := range l.transfers {
		got, ok := transfers[tr.transferID]
		switch {
		case tr.status == http.StatusConflict:
		case tr.status != http.StatusCreated:
			wrong = append(wrong, fmt.Sprintf("transfer key %s answered %d (%s)", tr.key, tr.status, tr.trail.String()))
		case !ok:
			wrong = append(wrong, fmt.Sprintf("transfer %s (key %s) answered 201 but is not listed", tr.transferID, tr.key))
		case got.Status != "completed":
			wrong = append(wrong, fmt.Sprintf("transfer %s answered 201 but is %s", tr.transferID, got.Status))
		}
	}
	if len(transfers) != len(l.transfers) {
		wrong = append(wrong, fmt.Sprintf("%d transfers listed for %d keys: want one per key", len(transfers), len(l.transfers)))
	}
	add(fmt.Sprintf("every transfer key one transfer, each 201 completed (%d transfers)", len(transfers)), wrong)

	// Levels from the API against what the orders and transfers say.
	want := map[string]*wantLevel{}
	for _, p := range w.products {
		for _, wh := range w.warehouses {
			want[p+"@"+wh] = &wantLevel{onHand: w.perLevel}
		}
	}
	for _, o := range orders {
		for _, a := range o.Allocations {
			k := a.ProductID + "@" + a.WarehouseID
			switch o.Status {
			case "paid":
				want[k].onHand -= a.Quantity
			case "reserved":
				want[k].reserved += a.Quantity
			}
		}
	}
	for _, tr := range transfers {
		if tr.Status == "completed" {
			want[tr.ProductID+"@"+tr.FromWarehouseID].onHand -= tr.Quantity
			want[tr.ProductID+"@"+tr.ToWarehouseID].onHand += tr.Quantity
		}
	}
	// The saga decides before the stock processor applies: the releases
	// of the last orders to expire, and commands waiting for a part still
	// restarting after the last fault (its backoff reaches 30 s), land
	// later. The levels must converge, within a bound.
	var levels map[string]level
	var moves []string
	began = time.Now()
	for deadline := began.Add(levelsConverge); ; time.Sleep(time.Second) {
		levels, wrong = apiLevels(w, want)
		moves = checkMovements(t, w, orders, transfers, levels)
		if len(wrong)+len(moves) == 0 || time.Now().After(deadline) {
			break
		}
	}
	settled := time.Since(began).Round(time.Second)
	add(fmt.Sprintf("API: on_hand == received − committed ± transfers, reserved == open holds, nothing oversold, for every product@warehouse (converged in %s)", settled), wrong)
	add("stock-movements topic: gapless version chain per level ending at the API's level; every reserve, commit, release, debit and credit exactly once", moves)

	if w.ch != nil {
		var diff []string
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
			got, _ := clickhouseLevels(t, w.ch)
			diff = diff[:0]
			for k, l := range levels {
				if g := got[k]; g != [2]int64{l.OnHand, l.Reserved} {
					diff = append(diff, fmt.Sprintf("%s: clickhouse %v, API %d/%d", k, g, l.OnHand, l.Reserved))
				}
			}
			if len(diff) == 0 || time.Now().After(deadline) {
				break
			}
		}
		add("ClickHouse (the sink's stock_movements): totals per level == the API's", diff)
	}
	return checks
}

// levelsConverge bounds how long the fault check waits for the levels to
// reflect every decided order and transfer: longer than a part's longest
// restart backoff (30 s) plus its restore.
const levelsConverge = 2 * time.Minute

// wantLevel is what a level should hold once every decision is applied.
type wantLevel struct{ onHand, reserved int64 }

// apiLevels reads every level of the suite's products from the API and
// says which differ from want or are oversold.
func apiLevels(w world, want map[string]*wantLevel) (map[string]level, []string) {
	levels := map[string]level{}
	var wrong []string
	for _, p := range w.products {
		for _, wh := range w.warehouses {
			k := p + "@" + wh
			got := w.s.levelOf(p, wh)
			levels[k] = got
			if got.OnHand != want[k].onHand || got.Reserved != want[k].reserved {
				wrong = append(wrong, fmt.Sprintf("%s: on_hand %d reserved %d; received − committed ± transfers = %d, open holds %d",
					k, got.OnHand, got.Reserved, want[k].onHand, want[k].reserved))
			}
			if got.OnHand < 0 || got.Reserved < 0 || got.Reserved > got.OnHand {
				wrong = append(wrong, fmt.Sprintf("%s oversold: on_hand %d reserved %d", k, got.OnHand, got.Reserved))
			}
		}
	}
	return levels, wrong
}

// checkMovements reads stock-movements from the start and checks it
// against the orders, transfers and levels.
func checkMovements(t *testing.T, w world, orders map[string]listedOrder, transfers map[string]transferBody, levels map[string]level) []string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(w.brokers...), kgo.ConsumeTopics(string(topics.StockMovements)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return []string{fmt.Sprintf("client: %v", err)}
	}
	defer cl.Close()
	end := w.s.endOffsets(string(topics.StockMovements))
	byLevel := map[string]map[int64]*pb.StockMovement{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var bad []string
	for read := int64(0); read < end; {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return append(bad, fmt.Sprintf("read %d of %d movements in 3 minutes", read, end))
		}
		fetches.EachRecord(func(r *kgo.Record) {
			read++
			m, err := schemas.StockMovementCodec.Unmarshal(r.Value)
			if err != nil {
				bad = append(bad, fmt.Sprintf("undecodable movement at %s/%d@%d", r.Topic, r.Partition, r.Offset))
				return
			}
			k := m.GetProductId() + "@" + m.GetWarehouseId()
			if _, ours := levels[k]; !ours {
				return
			}
			if byLevel[k] == nil {
				byLevel[k] = map[int64]*pb.StockMovement{}
			}
			if prev, dup := byLevel[k][m.GetVersion()]; dup && prev.GetMovementId() != m.GetMovementId() {
				bad = append(bad, fmt.Sprintf("%s version %d: two different movements %s and %s", k, m.GetVersion(), prev.GetMovementId(), m.GetMovementId()))
			}
			byLevel[k][m.GetVersion()] = m
		})
	}
	type key struct {
		id, level string
		kind      pb.MovementKind
	}
	count := map[key]int{}
	qty := map[key]int64{}
	for k, ms := range byLevel {
		versions := make([]int64, 0, len(ms))
		for v := range ms {
			versions = append(versions, v)
		}
		sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
		var onHand, reserved int64
		for i, v := range versions {
			m := ms[v]
			if v != int64(i+1) {
				bad = append(bad, fmt.Sprintf("%s: version %d where %d was due (a gap)", k, v, i+1))
				break
			}
			onHand += m.GetOnHandDelta()
			reserved += m.GetReservedDelta()
			if onHand != m.GetOnHandAfter() || reserved != m.GetReservedAfter() {
				bad = append(bad, fmt.Sprintf("%s version %d: deltas sum to %d/%d, the movement says after %d/%d", k, v, onHand, reserved, m.GetOnHandAfter(), m.GetReservedAfter()))
				break
			}
			id := m.GetOrderId()
			if m.GetTransferId() != "" {
				id = m.GetTransferId()
			}
			kk := key{id, k, m.GetKind()}
			count[kk]++
			qty[kk] += max(abs(m.GetOnHandDelta()), abs(m.GetReservedDelta()))
		}
		if l := levels[k]; onHand != l.OnHand || reserved != l.Reserved {
			bad = append(bad, fmt.Sprintf("%s: movements sum to %d/%d, the API shows %d/%d", k, onHand, reserved, l.OnHand, l.Reserved))
		}
	}
	once := func(id, level string, kind pb.MovementKind, want int64, what string) {
		kk := key{id, level, kind}
		if count[kk] != 1 || qty[kk] != want {
			bad = append(bad, fmt.Sprintf("%s: %d %s movements of %d in all at %s, want one of %d", what, count[kk], strings.ToLower(strings.TrimPrefix(kind.String(), "MOVEMENT_KIND_")), qty[kk], level, want))
		}
		delete(count, kk)
	}
	for _, o := range orders {
		if o.Status == "rejected" {
			continue
		}
		for _, a := range o.Allocations {
			k := a.ProductID + "@" + a.WarehouseID
			what := "order " + o.ID + " (" + o.Status + ")"
			once(o.ID, k, pb.MovementKind_MOVEMENT_KIND_RESERVE, a.Quantity, what)
			switch o.Status {
			case "paid":
				once(o.ID, k, pb.MovementKind_MOVEMENT_KIND_COMMIT, a.Quantity, what)
			case "cancelled", "expired":
				once(o.ID, k, pb.MovementKind_MOVEMENT_KIND_RELEASE, a.Quantity, what)
			}
		}
	}
	for _, tr := range transfers {
		if tr.Status != "completed" {
			continue
		}
		what := "transfer " + tr.ID
		once(tr.ID, tr.ProductID+"@"+tr.FromWarehouseID, pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, tr.Quantity, what)
		once(tr.ID, tr.ProductID+"@"+tr.ToWarehouseID, pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, tr.Quantity, what)
	}
	for k := range levels {
		once("", k, pb.MovementKind_MOVEMENT_KIND_ADJUST, w.perLevel, "the receipt")
	}
	// Whatever is left belongs to no acknowledged order or transfer: only a
	// rejected order's reserve and release of the same quantity may remain.
	net := map[string]int64{}
	for kk, n := range count {
		switch kk.kind {
		case pb.MovementKind_MOVEMENT_KIND_RESERVE:
			net[kk.id+" at "+kk.level] += qty[kk]
		case pb.MovementKind_MOVEMENT_KIND_RELEASE:
			net[kk.id+" at "+kk.level] -= qty[kk]
		default:
			bad = append(bad, fmt.Sprintf("%d %s movements for %s at %s, which no listed order or transfer explains", n, kk.kind, kk.id, kk.level))
		}
	}
	for what, n := range net {
		if n != 0 {
			bad = append(bad, fmt.Sprintf("%s: reserves and releases differ by %d", what, n))
		}
	}
	return bad
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
