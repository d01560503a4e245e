package e2e_test

import (
	"net/http"
	"testing"
)

func TestRestartOnTheSameDataDirKeepsEveryLevel(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	a, b := s.product("A"), s.product("B")
	shop := s.shop(w1, w2)
	s.receive(w1, a, 7)
	s.receive(w2, a, 3)
	s.receive(w1, b, 2)
	_, body := s.place(shop, lines(a, 8, b, 1))
	o := decode[order](t, body)
	if o.Status != "reserved" {
		t.Fatalf("order %+v, want reserved", o)
	}
	before := map[string]level{}
	for _, key := range [][2]string{{a, w1}, {a, w2}, {b, w1}} {
		before[key[0]+"@"+key[1]] = s.levelOf(key[0], key[1])
	}
	s.stop()

	s = start(t, dir)
	for _, key := range [][2]string{{a, w1}, {a, w2}, {b, w1}} {
		got, want := s.levelOf(key[0], key[1]), before[key[0]+"@"+key[1]]
		if got != want {
			t.Errorf("%s@%s after restart = %+v, want %+v", key[0], key[1], got, want)
		}
	}
	var again order
	s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+o.ID, nil, &again)
	if again.Status != "reserved" {
		t.Fatalf("order after restart is %q, want reserved", again.Status)
	}
	// The restarted system still works: paying commits.
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+o.ID+"/pay", nil, nil)
	s.expectLevel(b, w1, 1, 0)
}

func TestConcurrentOrdersNeverOversell(t *testing.T) {
	neverOversell(t, start(t, t.TempDir()), plainSKU, 50, 2000, 500)
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
