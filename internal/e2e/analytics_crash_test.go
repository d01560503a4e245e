package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stockflow/stockflow/internal/chtest"
)

// TestKillMidFlightAnalyticsStayExact SIGKILLs `stockflow dev` (stock
// processor and ClickHouse sink in one process) while orders and payments
// are in flight, restarts it, and checks that ClickHouse's per-level totals
// equal the levels: no movement missing, none counted twice. Movements
// are exact across crashes because the relay publishes them from the
// stock changelog.
func TestKillMidFlightAnalyticsStayExact(t *testing.T) {
	addr, db, conn := chtest.Database(t)
	extra := []string{"--clickhouse-addr", addr, "--clickhouse-database", db, "--clickhouse-flush-interval", "100ms"}
	const perProductStock = 1000
	dir := t.TempDir()
	kafkaPort := freePort(t)
	s, cmd := startProcess(t, dir, kafkaPort, extra...)
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	products := []string{s.product("A"), s.product("B"), s.product("C")}
	shop := s.shop(w1, w2)
	for _, p := range products {
		s.receive(w1, p, perProductStock/2)
		s.receive(w2, p, perProductStock/2)
	}
	var attempts []*attempt
	for round := range chaosRounds() {
		batch := makeAttempts(round, products, 1500)
		attempts = append(attempts, batch...)
		runUntilKilled(s, shop, batch, cmd, time.Duration(200+rand.IntN(600))*time.Millisecond)
		s.stopped = true
		s, cmd = startProcess(t, dir, kafkaPort, extra...)
	}
	settle(t, s, shop, attempts)
	checkConservation(t, s, products, []string{w1, w2}, attempts, perProductStock)
	deadline := time.Now().Add(time.Minute)
	for {
		got, _ := clickhouseLevels(t, conn)
		diff := ""
		for _, p := range products {
			for _, w := range []string{w1, w2} {
				l := s.levelOf(p, w)
				if g := got[p+"@"+w]; g != [2]int64{l.OnHand, l.Reserved} {
					diff += fmt.Sprintf(" %s@%s: clickhouse %v, level %d/%d;", p, w, g, l.OnHand, l.Reserved)
				}
			}
		}
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after the last restart:%s", diff)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
