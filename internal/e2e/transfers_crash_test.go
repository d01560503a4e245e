package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// transferAttempt is one transfer a client asks for, retried by its key.
type transferAttempt struct {
	key, product, from, to string
	qty                    int
	// status is the last HTTP status seen (0 = unknown).
	status int
}

// TestKillBetweenDebitAndCreditCreditsExactlyOnce SIGKILLs stockflow while
// transfers are in flight, so that some are debited from their source but
// not yet credited, restarts it on the same data directory, and checks
// that every debited transfer is credited exactly once: one transfer_out
// and one transfer_in movement per completed transfer, none for a rejected
// one, and on_hand summed over warehouses equal to what was received.
func TestKillBetweenDebitAndCreditCreditsExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and kills a child process")
	}
	const perLevel = 200
	dir := t.TempDir()
	kafkaPort := freePort(t)
	s, cmd := startProcess(t, dir, kafkaPort)
	ws := []string{s.warehouse("north"), s.warehouse("south"), s.warehouse("east")}
	ps := []string{s.product("A"), s.product("B")}
	for _, p := range ps {
		for _, w := range ws {
			s.receive(w, p, perLevel)
		}
	}
	var attempts []*transferAttempt
	var kills []time.Time
	for round := range chaosRounds() {
		batch := makeTransferAttempts(round, ps, ws, 1500)
		attempts = append(attempts, batch...)
		killAfter := time.Duration(200+rand.IntN(600)) * time.Millisecond
		kills = append(kills, runTransfersUntilKilled(s, batch, cmd, killAfter))
		t.Logf("round %d: killed after %s", round, killAfter)
		s.stopped = true
		s, cmd = startProcess(t, dir, kafkaPort)
	}
	settleTransfers(t, s, attempts)

	outs, ins := transferMovements(t, s)
	listed := s.allTransfers()
	if len(listed) != len(attempts) {
		t.Errorf("%d transfers listed for %d attempts, want one each", len(listed), len(attempts))
	}
	straddled := 0
	for _, tr := range listed {
		debits, credits := len(outs[tr.ID]), len(ins[tr.ID])
		switch {
		case tr.Status == "completed" && (debits != 1 || credits != 1):
			t.Errorf("completed transfer %s has %d debits and %d credits, want 1 and 1", tr.ID, debits, credits)
		case tr.Status == "rejected" && (debits != 0 || credits != 0):
			t.Errorf("rejected transfer %s has %d debits and %d credits, want none", tr.ID, debits, credits)
		case tr.Status != "completed" && tr.Status != "rejected":
			t.Errorf("transfer %s is %s after settling", tr.ID, tr.Status)
		case tr.Status == "completed" && straddles(outs[tr.ID][0], ins[tr.ID][0], kills):
			straddled++
		}
	}
	t.Logf("%d transfers were debited before a kill and credited after the restart", straddled)
	if straddled == 0 {
		t.Fatal("no kill landed between a debit and its credit; the test proved nothing")
	}
	for _, p := range ps {
		eventually(t, func() string {
			var sum int64
			for _, w := range ws {
				l := s.levelOf(p, w)
				if l.OnHand < 0 || l.Reserved != 0 {
					return fmt.Sprintf("%s@%s = %+v", p, w, l)
				}
				sum += l.OnHand
			}
			if want := int64(perLevel * len(ws)); sum != want {
				return fmt.Sprintf("product %s: on_hand sums to %d, want %d received", p, sum, want)
			}
			return ""
		})
	}
}

func makeTransferAttempts(round int, ps, ws []string, n int) []*transferAttempt {
	out := make([]*transferAttempt, n)
	for i := range out {
		from := rand.IntN(len(ws))
		out[i] = &transferAttempt{
			key: fmt.Sprintf("r%d-t%d", round, i), product: ps[rand.IntN(len(ps))],
			from: ws[from], to: ws[(from+1+rand.IntN(len(ws)-1))%len(ws)], qty: 1 + rand.IntN(20),
		}
	}
	return out
}

// runTransfersUntilKilled sends the attempts from 32 clients (many in
// flight, so that the kill finds some between debit and credit) and SIGKILLs
// the process after d; it returns when the process was killed.
func runTransfersUntilKilled(s *stack, batch []*transferAttempt, cmd *exec.Cmd, d time.Duration) time.Time {
	next := make(chan *transferAttempt)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				tryTransfer(s, a)
			}
		}()
	}
	var killedAt time.Time
	timer := time.AfterFunc(d, func() {
		killedAt = time.Now()
		_ = cmd.Process.Kill()
	})
	for _, a := range batch {
		next <- a
	}
	close(next)
	wg.Wait()
	timer.Stop()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if killedAt.IsZero() {
		killedAt = time.Now()
	}
	return killedAt
}

func tryTransfer(s *stack, a *transferAttempt) {
	body := map[string]any{"product_id": a.product, "from_warehouse_id": a.from, "to_warehouse_id": a.to, "quantity": a.qty}
	status, _, err := s.tryCall(http.MethodPost, "/warehouses/transfer", body, "Idempotency-Key", a.key)
	if err != nil {
		return
	}
	a.status = status
}

// settleTransfers retries every attempt with its key until it is decided,
// from 16 clients (thousands of attempts after ten rounds).
func settleTransfers(t *testing.T, s *stack, attempts []*transferAttempt) {
	deadline := time.Now().Add(2 * time.Minute)
	next := make(chan *transferAttempt)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var undecided []string
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				for a.status != http.StatusCreated && a.status != http.StatusConflict && time.Now().Before(deadline) {
					tryTransfer(s, a)
					if a.status != http.StatusCreated && a.status != http.StatusConflict {
						time.Sleep(50 * time.Millisecond)
					}
				}
				if a.status != http.StatusCreated && a.status != http.StatusConflict {
					mu.Lock()
					undecided = append(undecided, fmt.Sprintf("%s (last status %d)", a.key, a.status))
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range attempts {
		next <- a
	}
	close(next)
	wg.Wait()
	if len(undecided) > 0 {
		t.Fatalf("%d transfers still undecided after 2 minutes, e.g. %v", len(undecided), undecided[:min(3, len(undecided))])
	}
}

// allTransfers pages through GET /transfers.
func (s *stack) allTransfers() []transferBody {
	s.t.Helper()
	var all []transferBody
	cursor := ""
	for {
		var page struct {
			Items      []transferBody `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		s.mustCall(http.StatusOK, http.MethodGet, "/transfers?limit=500&cursor="+cursor, nil, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// transferMovements reads every stock movement and returns, per transfer,
// the distinct transfer_out and transfer_in movements (a redelivered
// movement has the same id and counts once).
func transferMovements(t *testing.T, s *stack) (outs, ins map[string][]*pb.StockMovement) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics(string(topics.StockMovements)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	end := s.endOffsets(string(topics.StockMovements))
	outs, ins = map[string][]*pb.StockMovement{}, map[string][]*pb.StockMovement{}
	seen := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for read := int64(0); read < end; {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d movements", read, end)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			read++
			m, err := schemas.StockMovementCodec.Unmarshal(r.Value)
			if err != nil || seen[m.GetMovementId()] {
				return
			}
			seen[m.GetMovementId()] = true
			switch m.GetKind() {
			case pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT:
				outs[m.GetTransferId()] = append(outs[m.GetTransferId()], m)
			case pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN:
				ins[m.GetTransferId()] = append(ins[m.GetTransferId()], m)
			}
		})
	}
	return outs, ins
}

// straddles reports whether a kill fell between the debit and the credit.
func straddles(out, in *pb.StockMovement, kills []time.Time) bool {
	for _, k := range kills {
		if out.GetAtUnixMs() < k.UnixMilli() && in.GetAtUnixMs() > k.UnixMilli() {
			return true
		}
	}
	return false
}
