package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// commandTopics are every topic the API produces to.
var commandTopics = []string{"order-commands", "stock-commands", "warehouse-commands", "catalog-commands", "shop-commands", "sku-commands", "user-commands"}

// TestBadInputIsAProblemNamingTheFieldAndProducesNothing runs a few bad
// requests over the whole system and the broker; the full table of bad
// input runs against the handlers alone in api/badinput_test.go.
func TestBadInputIsAProblemNamingTheFieldAndProducesNothing(t *testing.T) {
	s := start(t, t.TempDir())
	w := s.warehouse("north")
	p := s.product("TEE")
	shop := s.shop(w)
	s.receive(w, p, 5)
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
