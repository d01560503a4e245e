package e2e_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// faultOrder is one order a load client places, then pays, cancels or
// leaves to expire; every request for it is retried with its key.
type faultOrder struct {
	key, product string
	qty          int
	// intent: "pay", "cancel" or "" (let it expire).
	intent string
	// placed is the final answer to the placement: 201, 409 or 0 (not yet).
	placed  int
	orderID string
	// idChanged notes a retry that answered another order id for the key.
	idChanged string
	// acked is the final answer to pay or cancel: 200, 409, or 0 (not
	// yet); finishing says pay or cancel was sent.
	acked     int
	finishing bool
	// trail is every answer to the placement, for a failure's post-mortem.
	trail trail
}

// faultTransfer is one transfer a load client asks for, retried by its key.
type faultTransfer struct {
	key, product, from, to string
	qty                    int
	// status is the final answer: 201, 409 or 0 (not yet).
	status     int
	transferID string
	trail      trail
}

// trail records the answers one request got, run-length encoded by
// instance and status ("api1:202x14 api0:0 api1:201"): what the checks
// print for a request that ends wrong.
type trail struct {
	first   time.Time
	runs    []string
	last    string
	n       int
	dropped int
}

// maxTrail bounds the runs a trail keeps (a request retried 1,000 times
// alternates between a few answers).
const maxTrail = 40

func (t *trail) add(api, status int) {
	if t == nil {
		return
	}
	if t.first.IsZero() {
		t.first = time.Now()
	}
	step := fmt.Sprintf("api%d:%d", api, status)
	if step == t.last {
		t.n++
		return
	}
	t.flush()
	t.last, t.n = step, 1
}

func (t *trail) flush() {
	if t.n == 0 {
		return
	}
	run := t.last
	if t.n > 1 {
		run += "x" + strconv.Itoa(t.n)
	}
	if len(t.runs) < maxTrail {
		t.runs = append(t.runs, run)
	} else {
		t.dropped++
	}
	t.n = 0
}

func (t *trail) String() string {
	t.flush()
	t.last = ""
	s := "from " + t.first.Format("15:04:05.000") + ": " + strings.Join(t.runs, " ")
	if t.dropped > 0 {
		s += fmt.Sprintf(" (+%d runs)", t.dropped)
	}
	return s
}

// faultLoad places, pays and cancels orders from 6 clients and moves stock
// between the warehouses from 2, against both API instances, until stopped.
type faultLoad struct {
	apis                    []*stack
	shop                    string
	products, warehouses    []string
	done                    chan struct{}
	wg                      sync.WaitGroup
	mu                      sync.Mutex
	orders                  []*faultOrder
	transfers               []*faultTransfer
	oks                     []time.Time // when each 201 to a placement came, under mu
	run                     int64
	sent, acked, retried    atomic.Int64
	places, pays, cancels   atomic.Int64
	transfersSent           atomic.Int64
	failedOver, unavailable atomic.Int64
	accepted, noAnswer      atomic.Int64
	probes                  atomic.Int64
}

func startFaultLoad(apis []*stack, shop string, products, warehouses []string) *faultLoad {
	l := &faultLoad{apis: apis, shop: shop, products: products, warehouses: warehouses, done: make(chan struct{}), run: time.Now().UnixNano()}
	for c := range 8 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				if c < 6 {
					l.order(c, i)
				} else {
					l.transfer(c, i)
				}
				time.Sleep(30 * time.Millisecond)
			}
		}()
	}
	return l
}

// answer is one HTTP answer: status 0 means none came.
type answer struct {
	status     int
	body       []byte
	retryAfter string
	problem    bool
	took       time.Duration
}

// call sends one request to API i.
func (l *faultLoad) call(i int, method, path string, body any, key string) answer {
	s := l.apis[i%len(l.apis)]
	began := time.Now()
	var headers []string
	if key != "" {
		headers = []string{"Idempotency-Key", key}
	}
	status, data, hdr, err := s.tryCallHeaders(method, path, body, headers...)
	a := answer{took: time.Since(began)}
	if err != nil {
		return a
	}
	a.status, a.body = status, data
	a.retryAfter = hdr.Get("Retry-After")
	a.problem = strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json")
	return a
}

// settleCall retries a request on the APIs, switching instance after a
// failure, until an answer other than 202, 5xx or none, for at most
// tries tries and d in all: what a client with an Idempotency-Key does.
func (l *faultLoad) settleCall(api int, method, path string, body any, key string, tries int, d time.Duration, t *trail) answer {
	deadline := time.Now().Add(d)
	var a answer
	for try := 0; try < tries; try++ {
		if try > 0 {
			l.retried.Add(1)
		}
		a = l.call(api, method, path, body, key)
		t.add(api%len(l.apis), a.status)
		switch {
		case a.status == 0:
			l.noAnswer.Add(1)
		case a.status == http.StatusServiceUnavailable:
			l.unavailable.Add(1)
		case a.status == http.StatusAccepted:
			l.accepted.Add(1)
		case a.status >= 500:
		default:
			return a
		}
		if time.Now().After(deadline) {
			return a
		}
		wait := 200 * time.Millisecond
		if a.status == 0 || a.status >= 500 {
			// The instance may be gone: the other one answers the retry.
			api++
			l.failedOver.Add(1)
			if secs, err := strconv.Atoi(a.retryAfter); err == nil && secs > 0 {
				wait = min(time.Duration(secs)*time.Second, time.Second)
			}
		}
		time.Sleep(wait)
	}
	return a
}

// order places one order through API c's instance and pays or cancels it.
func (l *faultLoad) order(c, i int) {
	o := &faultOrder{
		key:     fmt.Sprintf("%d-o%d-%d", l.run, c, i),
		product: l.products[rand.IntN(len(l.products))],
		qty:     1 + rand.IntN(3),
		intent:  []string{"pay", "pay", "cancel", ""}[rand.IntN(4)],
	}
	l.mu.Lock()
	l.orders = append(l.orders, o)
	l.mu.Unlock()
	l.sent.Add(1)
	l.places.Add(1)
	l.place(c, o, 30, 20*time.Second)
	if o.placed == http.StatusCreated {
		l.mu.Lock()
		l.oks = append(l.oks, time.Now())
		l.mu.Unlock()
		if o.intent != "" {
			l.finish(c, o, 30, 20*time.Second)
		}
	}
}

// place sends (or retries) the placement of o until it is decided.
func (l *faultLoad) place(api int, o *faultOrder, tries int, d time.Duration) {
	body := map[string]any{"shop_id": l.shop, "lines": lines(o.product, o.qty)}
	for deadline := time.Now().Add(d); o.placed == 0 && time.Now().Before(deadline); {
		a := l.settleCall(api, http.MethodPost, "/orders", body, o.key, tries, time.Until(deadline), &o.trail)
		if a.status == http.StatusCreated || a.status == http.StatusAccepted {
			var got order
			if err := json.Unmarshal(a.body, &got); err == nil {
				if o.orderID != "" && o.orderID != got.ID && o.idChanged == "" {
					o.idChanged = fmt.Sprintf("key %s answered order %s, then %s", o.key, o.orderID, got.ID)
				}
				o.orderID = got.ID
			}
		}
		if a.status == http.StatusCreated || a.status == http.StatusConflict {
			o.placed = a.status
			l.acked.Add(1)
		}
		if a.status != 0 && a.status < 500 && a.status != http.StatusAccepted && o.placed == 0 {
			// Any other answer is final for this key too (a 4xx the test
			// does not expect): record it for the checks.
			o.placed = a.status
		}
	}
}

// finish pays or cancels a placed order until it is acknowledged.
func (l *faultLoad) finish(api int, o *faultOrder, tries int, d time.Duration) {
	if !o.finishing {
		o.finishing = true
		l.sent.Add(1)
		if o.intent == "pay" {
			l.pays.Add(1)
		} else {
			l.cancels.Add(1)
		}
	}
	for deadline := time.Now().Add(d); o.acked == 0 && time.Now().Before(deadline); {
		a := l.settleCall(api, http.MethodPost, "/orders/"+o.orderID+"/"+o.intent, nil, "", tries, time.Until(deadline), nil)
		if a.status == http.StatusOK || a.status == http.StatusConflict {
			o.acked = a.status
			l.acked.Add(1)
		}
	}
}

// transfer moves a little stock between the warehouses.
func (l *faultLoad) transfer(c, i int) {
	from := rand.IntN(len(l.warehouses))
	tr := &faultTransfer{
		key:     fmt.Sprintf("%d-t%d-%d", l.run, c, i),
		product: l.products[rand.IntN(len(l.products))],
		from:    l.warehouses[from], to: l.warehouses[(from+1)%len(l.warehouses)],
		qty: 1 + rand.IntN(5),
	}
	l.mu.Lock()
	l.transfers = append(l.transfers, tr)
	l.mu.Unlock()
	l.sent.Add(1)
	l.transfersSent.Add(1)
	l.moveStock(c, tr, 30, 20*time.Second)
}

func (l *faultLoad) moveStock(api int, tr *faultTransfer, tries int, d time.Duration) {
	body := map[string]any{"product_id": tr.product, "from_warehouse_id": tr.from, "to_warehouse_id": tr.to, "quantity": tr.qty, "reason": "fault suite"}
	for deadline := time.Now().Add(d); tr.status == 0 && time.Now().Before(deadline); {
		a := l.settleCall(api, http.MethodPost, "/warehouses/transfer", body, tr.key, tries, time.Until(deadline), &tr.trail)
		if a.status == http.StatusCreated {
			var got transferBody
			if err := json.Unmarshal(a.body, &got); err == nil {
				tr.transferID = got.ID
			}
		}
		if a.status != 0 && a.status < 500 && a.status != http.StatusAccepted {
			tr.status = a.status
			l.acked.Add(1)
		}
	}
}

// probeUnavailable places one order (on api-1, else api-2) while Kafka is cut off and
// says what is wrong with the answer ("" if it is a 503 with Retry-After,
// problem+json, within the wait timeout of 3 s plus a second of slack).
// The order joins the load's, to be settled with the rest.
func (l *faultLoad) probeUnavailable() string {
	o := &faultOrder{key: fmt.Sprintf("%d-probe-%d", l.run, l.probes.Add(1)), product: l.products[0], qty: 1}
	l.mu.Lock()
	l.orders = append(l.orders, o)
	l.mu.Unlock()
	l.sent.Add(1)
	l.places.Add(1)
	time.Sleep(500 * time.Millisecond)
	var a answer
	for api := range l.apis {
		// The other instance if this one is down (an overlapping kill).
		if a = l.call(api, http.MethodPost, "/orders", map[string]any{"shop_id": l.shop, "lines": lines(o.product, o.qty)}, o.key); a.status != 0 {
			break
		}
	}
	switch {
	case a.status != http.StatusServiceUnavailable:
		return fmt.Sprintf("POST /orders answered %d %s after %s, want 503", a.status, a.body, a.took.Round(time.Millisecond))
	case a.retryAfter == "" || !a.problem:
		return fmt.Sprintf("503 without Retry-After (%q) or problem+json (%v)", a.retryAfter, a.problem)
	case a.took > 4*time.Second:
		return fmt.Sprintf("503 after %s, past the 3 s wait timeout", a.took.Round(time.Millisecond))
	}
	return ""
}

// firstOKAfter waits for the first 201 after since and returns how long
// after since it came (limit if none did).
func (l *faultLoad) firstOKAfter(since time.Time, limit time.Duration) time.Duration {
	for time.Since(since) < limit {
		l.mu.Lock()
		i := sort.Search(len(l.oks), func(i int) bool { return l.oks[i].After(since) })
		var ok time.Time
		if i < len(l.oks) {
			ok = l.oks[i]
		}
		l.mu.Unlock()
		if !ok.IsZero() {
			return ok.Sub(since)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return limit
}

// longestGap is the longest time in [from, to] without a 201.
func (l *faultLoad) longestGap(from, to time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	last, gap := from, time.Duration(0)
	for _, ok := range l.oks {
		if ok.Before(from) || ok.After(to) {
			continue
		}
		gap = max(gap, ok.Sub(last))
		last = ok
	}
	return max(gap, to.Sub(last))
}

// orderSeen says what each API instance answers for order id now ("" if
// the id is not known): a request that ends wrong is then told apart as
// never placed, placed but not seen by a view, or placed and undecided.
func (l *faultLoad) orderSeen(id string) string {
	if id == "" {
		return ""
	}
	var seen []string
	for i := range l.apis {
		a := l.call(i, http.MethodGet, "/orders/"+id, nil, "")
		var got struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(a.body, &got)
		seen = append(seen, fmt.Sprintf("api%d %d %s", i, a.status, got.Status))
	}
	return "; GET /orders/" + id + ": " + strings.Join(seen, ", ")
}

func (l *faultLoad) stop() {
	close(l.done)
	l.wg.Wait()
}

// settle retries, from 16 clients, every request not yet decided, with
// its key, for up to 3 minutes; it returns what is still undecided.
func (l *faultLoad) settle() []string {
	deadline := time.Now().Add(3 * time.Minute)
	work := make(chan func() string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var undecided []string
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range work {
				if msg := job(); msg != "" {
					mu.Lock()
					undecided = append(undecided, msg)
					mu.Unlock()
				}
			}
		}()
	}
	for i, o := range l.orders {
		work <- func() string {
			l.place(i, o, 1000, time.Until(deadline))
			if o.placed == 0 {
				return "order key " + o.key + " undecided (" + o.trail.String() + ")" + l.orderSeen(o.orderID)
			}
			if o.placed == http.StatusCreated && o.intent != "" && o.acked == 0 {
				l.finish(i, o, 1000, time.Until(deadline))
				if o.acked == 0 {
					return o.intent + " of order " + o.orderID + " unacknowledged"
				}
			}
			return ""
		}
	}
	for i, tr := range l.transfers {
		work <- func() string {
			l.moveStock(i, tr, 1000, time.Until(deadline))
			if tr.status == 0 {
				return "transfer key " + tr.key + " undecided (" + tr.trail.String() + ")"
			}
			return ""
		}
	}
	close(work)
	wg.Wait()
	return undecided
}
