package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// commandTopics are every topic the API produces to.
var commandTopics = []string{"order-commands", "stock-commands", "warehouse-commands", "catalog-commands", "shop-commands", "sku-commands", "user-commands", "transfer-commands"}

// TestBadInputIsAProblemNamingTheFieldAndProducesNothing runs a few bad
// requests over the whole system and the broker; the full table of bad
// input runs against the handlers alone in api/badinput_test.go.
func TestBadInputIsAProblemNamingTheFieldAndProducesNothing(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 5)
	closed := s.warehouse("closed")
	s.mustCall(http.StatusOK, http.MethodPatch, "/warehouses/"+closed+"/status", map[string]any{"status": "inactive"}, nil)
	tr := func(product, from, to, qty string) string {
		return `{"product_id":"` + product + `","from_warehouse_id":"` + from + `","to_warehouse_id":"` + to + `","quantity":` + qty + `}`
	}
	cases := []struct {
		name     string
		method   string
		path     string
		body     string
		status   int
		location string // substring of errors[].location
	}{
		{"malformed_json", "", "/orders", `{"shop_id": "` + shop + `", "lines": [`, http.StatusBadRequest, "body"},
		{"unknown_product", "", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"nope","quantity":1}]}`, http.StatusNotFound, "body.lines[0].product_id"},
		{"null_lines", "", "/orders", `{"shop_id":"` + shop + `","lines":null}`, http.StatusUnprocessableEntity, "body.lines"},
		{"duplicate_product", "", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + p + `","quantity":1},{"product_id":"` + p + `","quantity":1}]}`, http.StatusUnprocessableEntity, "body.lines[1].product_id"},
		{"receive_zero", "", "/warehouses/" + w + "/stock", `{"product_id":"` + p + `","kind":"receive","quantity":0,"reason":"x"}`, http.StatusUnprocessableEntity, "body.quantity"},
		{"shop_with_unknown_warehouse", "", "/shops", `{"name":"s","warehouse_ids":["nope"]}`, http.StatusNotFound, "body.warehouse_ids[0]"},
		{"escaped_slash_in_path", http.MethodGet, "/orders/%2F", ``, http.StatusNotFound, ""},
		{"transfer_zero_quantity", "", "/warehouses/transfer", tr(p, w, closed, "0"), http.StatusUnprocessableEntity, "body.quantity"},
		{"transfer_negative_quantity", "", "/warehouses/transfer", tr(p, w, closed, "-2"), http.StatusUnprocessableEntity, "body.quantity"},
		{"transfer_fractional_quantity", "", "/warehouses/transfer", tr(p, w, closed, "1.5"), http.StatusUnprocessableEntity, "body.quantity"},
		{"transfer_to_the_same_warehouse", "", "/warehouses/transfer", tr(p, w, w, "1"), http.StatusUnprocessableEntity, "body.to_warehouse_id"},
		{"transfer_unknown_product", "", "/warehouses/transfer", tr("nope", w, closed, "1"), http.StatusNotFound, "body.product_id"},
		{"transfer_from_unknown_warehouse", "", "/warehouses/transfer", tr(p, "nope", w, "1"), http.StatusNotFound, "body.from_warehouse_id"},
		{"transfer_to_unknown_warehouse", "", "/warehouses/transfer", tr(p, w, "nope", "1"), http.StatusNotFound, "body.to_warehouse_id"},
		{"transfer_into_an_inactive_warehouse", "", "/warehouses/transfer", tr(p, w, closed, "1"), http.StatusConflict, "body.to_warehouse_id"},
		{"transfer_without_product", "", "/warehouses/transfer", `{"from_warehouse_id":"` + w + `","to_warehouse_id":"` + closed + `","quantity":1}`, http.StatusUnprocessableEntity, "body.product_id"},
		{"transfer_bad_warehouse_id", "", "/warehouses/transfer", tr(p, "no/pe", w, "1"), http.StatusUnprocessableEntity, "body.from_warehouse_id"},
		{"transfer_unknown_field", "", "/warehouses/transfer", `{"product_id":"` + p + `","from_warehouse_id":"` + w + `","to_warehouse_id":"` + closed + `","quantity":1,"priority":9}`, http.StatusUnprocessableEntity, "body.priority"},
		{"transfer_reason_too_long", "", "/warehouses/transfer", `{"product_id":"` + p + `","from_warehouse_id":"` + w + `","to_warehouse_id":"` + closed + `","quantity":1,"reason":"` + strings.Repeat("x", 501) + `"}`, http.StatusUnprocessableEntity, "body.reason"},
		{"unknown_transfer", http.MethodGet, "/transfers/nope", ``, http.StatusNotFound, "path.transferId"},
		{"receive_unknown_transfer", "", "/transfers/nope/receive", ``, http.StatusNotFound, "path.transferId"},
		{"receive_malformed_transfer_id", "", "/transfers/no%20pe/receive", ``, http.StatusUnprocessableEntity, "path.transferId"},
		{"transfer_in_transit_not_a_boolean", "", "/warehouses/transfer", `{"product_id":"` + p + `","from_warehouse_id":"` + w + `","to_warehouse_id":"` + closed + `","quantity":1,"in_transit":"yes"}`, http.StatusUnprocessableEntity, "body.in_transit"},
		{"transfer_id_malformed", http.MethodGet, "/transfers/no%20pe", ``, http.StatusUnprocessableEntity, "path.transferId"},
		{"transfers_by_unknown_status", http.MethodGet, "/transfers?status=lost", ``, http.StatusUnprocessableEntity, "query.status"},
		{"transfers_by_malformed_product", http.MethodGet, "/transfers?product_id=a%2Fb", ``, http.StatusUnprocessableEntity, "query.product_id"},
		{"transfers_bad_cursor", http.MethodGet, "/transfers?cursor=not*base64", ``, http.StatusUnprocessableEntity, "query.cursor"},
		{"warehouse_status_bad_mode", http.MethodPatch, "/warehouses/" + w + "/status", `{"status":"inactive","mode":"later"}`, http.StatusUnprocessableEntity, "body.mode"},
	}
	before := s.endOffsets(commandTopics...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			var reqBody any
			if c.body != "" {
				reqBody = []byte(c.body)
			}
			status, body := s.call(method, c.path, reqBody, nil)
			if status != c.status {
				t.Fatalf("status %d %s, want %d", status, body, c.status)
			}
			var pr problem
			if err := json.Unmarshal(body, &pr); err != nil || pr.Status != c.status || pr.Detail == "" {
				t.Fatalf("body %s is not a problem with status %d", body, c.status)
			}
			if c.location == "" {
				return
			}
			field := c.location[strings.LastIndex(c.location, ".")+1:]
			for _, e := range pr.Errors {
				// Huma reports a missing property at its parent, naming it in the message.
				if strings.Contains(e.Location, c.location) || strings.Contains(e.Message, "property "+field) {
					return
				}
			}
			t.Fatalf("problem %s does not name %s", body, c.location)
		})
	}
	if after := s.endOffsets(commandTopics...); after != before {
		t.Fatalf("rejected requests produced %d records", after-before)
	}
}

func TestProblemsAreServedAsProblemJSON(t *testing.T) {
	s := start(t, t.TempDir())
	req, _ := http.NewRequest(http.MethodGet, s.base+"/orders/unknown", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s, want 404 application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
