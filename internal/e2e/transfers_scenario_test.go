package e2e_test

import (
	"net/http"
	"strings"
	"testing"
)

// transferBody is a transfer as the API answers it.
type transferBody struct {
	ID              string `json:"id"`
	ProductID       string `json:"product_id"`
	FromWarehouseID string `json:"from_warehouse_id"`
	ToWarehouseID   string `json:"to_warehouse_id"`
	Quantity        int64  `json:"quantity"`
	Status          string `json:"status"`
	InTransit       bool   `json:"in_transit"`
	ReceivedAt      string `json:"received_at"`
	CompletedAt     string `json:"completed_at"`
}

// transfer asks for a transfer with an Idempotency-Key and returns the status and body.
func (s *stack) transfer(key, product, from, to string, qty int) (int, []byte) {
	s.t.Helper()
	return s.call(http.MethodPost, "/warehouses/transfer",
		map[string]any{"product_id": product, "from_warehouse_id": from, "to_warehouse_id": to, "quantity": qty, "reason": "rebalance"},
		nil, "Idempotency-Key", key)
}

func (s *stack) setStatus(warehouse, status string) {
	s.t.Helper()
	s.mustCall(http.StatusOK, http.MethodPatch, "/warehouses/"+warehouse+"/status", map[string]any{"status": status}, nil)
}

// expectProblem checks a problem+json answer: status, the field it names
// and a phrase of its detail.
func expectProblem(t *testing.T, what string, status int, body []byte, wantStatus int, location, phrase string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s = %d %s, want %d", what, status, body, wantStatus)
	}
	pr := decode[problem](t, body)
	if len(pr.Errors) == 0 || pr.Errors[0].Location != location || !strings.Contains(pr.Detail, phrase) {
		t.Fatalf("%s: problem %+v, want it to name %s and say %q", what, pr, location, phrase)
	}
}

// transfersMoveAvailableStock: a transfer moves only available stock,
// creates the destination level, is idempotent by key, is listed, and
// respects inactive warehouses (out allowed, in refused).
func transfersMoveAvailableStock(t *testing.T, s *stack, sku func(string) string) {
	w1, w2, w3 := s.warehouse("north"), s.warehouse("south"), s.warehouse("east")
	p := s.product(sku("TR"))
	shop := s.shop(w1)
	s.receive(w1, p, 10)
	if status, body := s.place(shop, lines(p, 6)); status != http.StatusCreated {
		t.Fatalf("place = %d %s", status, body)
	}

	status, body := s.transfer(sku("tr-too-much"), p, w1, w2, 5)
	expectProblem(t, "transfer of 5 with 4 available", status, body, http.StatusConflict, "body.quantity", "4 available")
	s.expectLevel(p, w1, 10, 6)

	status, body = s.transfer(sku("tr-1"), p, w1, w2, 4)
	if status != http.StatusCreated {
		t.Fatalf("transfer = %d %s, want 201", status, body)
	}
	tr := decode[transferBody](t, body)
	if tr.Status != "completed" || tr.Quantity != 4 || tr.CompletedAt == "" {
		t.Fatalf("transfer %+v, want completed", tr)
	}
	s.expectLevel(p, w1, 6, 6)
	s.expectLevel(p, w2, 4, 0)

	// The same key and body answer the first result; another body is refused.
	if status, body := s.transfer(sku("tr-1"), p, w1, w2, 4); status != http.StatusCreated || decode[transferBody](t, body).ID != tr.ID {
		t.Fatalf("retry = %d %s, want 201 with %s", status, body, tr.ID)
	}
	status, body = s.transfer(sku("tr-1"), p, w1, w2, 3)
	expectProblem(t, "key reused for another body", status, body, http.StatusUnprocessableEntity, "header.Idempotency-Key", "Idempotency-Key")
	s.expectLevel(p, w2, 4, 0)

	var got transferBody
	s.mustCall(http.StatusOK, http.MethodGet, "/transfers/"+tr.ID, nil, &got)
	if got.Status != "completed" || got.ToWarehouseID != w2 {
		t.Fatalf("GET transfer %+v", got)
	}
	var list struct {
		Items []transferBody `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/transfers?product_id="+p+"&warehouse_id="+w2+"&status=completed", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != tr.ID {
		t.Fatalf("listed %+v, want only %s", list.Items, tr.ID)
	}

	// Into an inactive warehouse: refused. Out of one: allowed.
	s.setStatus(w3, "inactive")
	status, body = s.transfer(sku("tr-into-inactive"), p, w2, w3, 1)
	expectProblem(t, "transfer into an inactive warehouse", status, body, http.StatusConflict, "body.to_warehouse_id", "inactive")
	s.setStatus(w2, "inactive")
	if status, body := s.transfer(sku("tr-out-of-inactive"), p, w2, w1, 3); status != http.StatusCreated {
		t.Fatalf("transfer out of an inactive warehouse = %d %s, want 201", status, body)
	}
	s.expectLevel(p, w2, 1, 0)
	s.expectLevel(p, w1, 9, 6)
}

// transfersInTransit: a transfer shipped in transit debits the source at
// once and credits the destination only when received; receiving twice
// credits once; a transfer not in transit cannot be received.
func transfersInTransit(t *testing.T, s *stack, sku func(string) string) {
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	p := s.product(sku("TRUCK"))
	s.receive(w1, p, 10)

	status, body := s.call(http.MethodPost, "/warehouses/transfer",
		map[string]any{"product_id": p, "from_warehouse_id": w1, "to_warehouse_id": w2, "quantity": 6, "in_transit": true, "reference": "truck-7"},
		nil, "Idempotency-Key", sku("truck-7"))
	tr := decode[transferBody](t, body)
	if status != http.StatusCreated || tr.Status != "in_transit" || !tr.InTransit || tr.CompletedAt != "" {
		t.Fatalf("ship = %d %s, want 201 in_transit", status, body)
	}
	s.expectLevel(p, w1, 4, 0)
	s.expectLevel(p, w2, 0, 0)
	var listed struct {
		Items []transferBody `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/transfers?product_id="+p+"&status=in_transit", nil, &listed)
	if len(listed.Items) != 1 || listed.Items[0].ID != tr.ID {
		t.Fatalf("in transit: %+v, want %s", listed.Items, tr.ID)
	}

	// The destination cannot be drained while goods are on their way to it.
	status, body = s.call(http.MethodPatch, "/warehouses/"+w2+"/status", map[string]any{"status": "inactive", "mode": "drain"}, nil)
	refusal := decode[struct {
		Reason        string `json:"reason"`
		OpenTransfers int    `json:"open_transfers"`
	}](t, body)
	if status != http.StatusConflict || refusal.Reason != "open_transfers" || refusal.OpenTransfers != 1 {
		t.Fatalf("drain of the destination = %d %s, want 409 open_transfers 1", status, body)
	}

	for range 2 {
		var got transferBody
		s.mustCall(http.StatusOK, http.MethodPost, "/transfers/"+tr.ID+"/receive", nil, &got)
		if got.Status != "completed" || got.ReceivedAt == "" || got.CompletedAt == "" {
			t.Fatalf("received %+v, want completed", got)
		}
	}
	s.expectLevel(p, w2, 6, 0)
	s.expectLevel(p, w1, 4, 0)

	status, body = s.transfer(sku("tr-direct"), p, w1, w2, 1)
	if status != http.StatusCreated {
		t.Fatalf("direct transfer = %d %s", status, body)
	}
	direct := decode[transferBody](t, body)
	if status, _ := s.call(http.MethodPost, "/transfers/"+direct.ID+"/receive", nil, nil); status != http.StatusOK {
		t.Fatalf("receiving a completed transfer = %d, want 200", status)
	}
	status, body = s.transfer(sku("tr-refused"), p, w1, w2, 50)
	expectProblem(t, "transfer of 50 with 3 available", status, body, http.StatusConflict, "body.quantity", "3 available")
	var rejected struct {
		Items []transferBody `json:"items"`
	}
	s.mustCall(http.StatusOK, http.MethodGet, "/transfers?product_id="+p+"&status=rejected", nil, &rejected)
	if len(rejected.Items) != 1 {
		t.Fatalf("rejected transfers %+v, want one", rejected.Items)
	}
	status, body = s.call(http.MethodPost, "/transfers/"+rejected.Items[0].ID+"/receive", nil, nil)
	expectProblem(t, "receiving a rejected transfer", status, body, http.StatusConflict, "path.transferId", "in transit")
	s.expectLevel(p, w2, 7, 0)
}

func TestTransfersInTransitWaitForTheirGoods(t *testing.T) {
	transfersInTransit(t, start(t, t.TempDir()), plainSKU)
}

func TestTransfersMoveAvailableStock(t *testing.T) {
	s := start(t, t.TempDir())
	transfersMoveAvailableStock(t, s, plainSKU)
}
