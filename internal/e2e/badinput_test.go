package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// commandTopics are every topic the API produces to.
var commandTopics = []string{"order-commands", "stock-commands", "warehouse-commands", "catalog-commands", "shop-commands", "sku-commands", "user-commands"}

func TestBadInputIsAProblemNamingTheFieldAndProducesNothing(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 5)
	cases := []struct {
		name     string
		path     string
		body     string
		status   int
		location string // substring of errors[].location
	}{
		{"malformed_json", "/orders", `{"shop_id": "` + shop + `", "lines": [`, http.StatusBadRequest, "body"},
		{"unknown_product", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"nope","quantity":1}]}`, http.StatusNotFound, "body.lines[0].product_id"},
		{"unknown_shop", "/orders", `{"shop_id":"nope","lines":[{"product_id":"` + p + `","quantity":1}]}`, http.StatusNotFound, "body.shop_id"},
		{"zero_quantity", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + p + `","quantity":0}]}`, http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"negative_quantity", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + p + `","quantity":-3}]}`, http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"empty_lines", "/orders", `{"shop_id":"` + shop + `","lines":[]}`, http.StatusUnprocessableEntity, "body.lines"},
		{"missing_lines", "/orders", `{"shop_id":"` + shop + `"}`, http.StatusUnprocessableEntity, "body.lines"},
		{"duplicate_product", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + p + `","quantity":1},{"product_id":"` + p + `","quantity":1}]}`, http.StatusUnprocessableEntity, "body.lines[1].product_id"},
		{"unknown_field", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + p + `","quantity":1}],"coupon":"x"}`, http.StatusUnprocessableEntity, "body.coupon"},
		{"oversized_body", "/orders", `{"shop_id":"` + shop + `","lines":[{"product_id":"` + strings.Repeat("x", 70_000) + `","quantity":1}]}`, http.StatusRequestEntityTooLarge, ""},
		{"receive_zero", "/warehouses/" + w + "/stock", `{"product_id":"` + p + `","kind":"receive","quantity":0,"reason":"x"}`, http.StatusUnprocessableEntity, "body.quantity"},
		{"unknown_kind", "/warehouses/" + w + "/stock", `{"product_id":"` + p + `","kind":"steal","quantity":1,"reason":"x"}`, http.StatusUnprocessableEntity, "body.kind"},
		{"stock_unknown_warehouse", "/warehouses/nope/stock", `{"product_id":"` + p + `","kind":"receive","quantity":1,"reason":"x"}`, http.StatusNotFound, "path.warehouseId"},
		{"stock_unknown_product", "/warehouses/" + w + "/stock", `{"product_id":"nope","kind":"receive","quantity":1,"reason":"x"}`, http.StatusNotFound, "body.product_id"},
		{"negative_count", "/warehouses/" + w + "/stock", `{"product_id":"` + p + `","kind":"count","quantity":-1,"reason":"x"}`, http.StatusUnprocessableEntity, "body.quantity"},
		{"bad_currency", "/products", `{"sku":"X","name":"x","price_minor":1,"currency":"rupiah"}`, http.StatusUnprocessableEntity, "body.currency"},
		{"shop_with_unknown_warehouse", "/shops", `{"name":"s","warehouse_ids":["nope"]}`, http.StatusNotFound, "body.warehouse_ids[0]"},
	}
	before := s.endOffsets(commandTopics...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := s.call(http.MethodPost, c.path, []byte(c.body), nil)
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
