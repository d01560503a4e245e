package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// problem is a problem+json body.
type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

func TestBadInputIsADocumentedProblemNamingTheFieldAndProducesNothing(t *testing.T) {
	f := newFixture(t)
	w, p, shop := f.seed()
	order := func(lines string) string { return `{"shop_id":"` + shop + `","lines":` + lines + `}` }
	line := func(q string) string { return `[{"product_id":"` + p + `","quantity":` + q + `}]` }
	adjust := func(fields string) string { return `{"product_id":"` + p + `",` + fields + `}` }
	cases := []struct {
		name     string
		method   string
		path     string
		body     string
		status   int
		location string // substring of errors[].location, or "property x" named in a message
	}{
		{"malformed_json", "", "/orders", `{"shop_id": "` + shop + `", "lines": [`, http.StatusBadRequest, "body"},
		{"no_body", "", "/orders", ``, http.StatusBadRequest, ""},
		{"unknown_product", "", "/orders", order(`[{"product_id":"nope","quantity":1}]`), http.StatusNotFound, "body.lines[0].product_id"},
		{"unknown_shop", "", "/orders", `{"shop_id":"nope","lines":` + line("1") + `}`, http.StatusNotFound, "body.shop_id"},
		{"zero_quantity", "", "/orders", order(line("0")), http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"negative_quantity", "", "/orders", order(line("-3")), http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"fractional_quantity", "", "/orders", order(line("1.5")), http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"integer_written_as_float_of_a_string_field", "", "/orders", `{"shop_id":1.0,"lines":` + line("1") + `}`, http.StatusUnprocessableEntity, "body.shop_id"},
		{"huge_integral_float", "", "/orders", order(line("1e300")), http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"quantity_as_string", "", "/orders", order(line(`"1"`)), http.StatusUnprocessableEntity, "body.lines[0].quantity"},
		{"empty_lines", "", "/orders", order(`[]`), http.StatusUnprocessableEntity, "body.lines"},
		{"null_lines", "", "/orders", order(`null`), http.StatusUnprocessableEntity, "body.lines"},
		{"missing_lines", "", "/orders", `{"shop_id":"` + shop + `"}`, http.StatusUnprocessableEntity, "body.lines"},
		{"duplicate_product", "", "/orders", order(`[{"product_id":"` + p + `","quantity":1},{"product_id":"` + p + `","quantity":1}]`), http.StatusUnprocessableEntity, "body.lines[1].product_id"},
		{"unknown_field", "", "/orders", `{"shop_id":"` + shop + `","lines":` + line("1") + `,"coupon":"x"}`, http.StatusUnprocessableEntity, "body.coupon"},
		{"oversized_body", "", "/orders", order(`[{"product_id":"` + strings.Repeat("x", 70_000) + `","quantity":1}]`), http.StatusRequestEntityTooLarge, ""},
		{"receive_zero", "", "/warehouses/" + w + "/stock", adjust(`"kind":"receive","quantity":0,"reason":"x"`), http.StatusUnprocessableEntity, "body.quantity"},
		{"unknown_kind", "", "/warehouses/" + w + "/stock", adjust(`"kind":"steal","quantity":1,"reason":"x"`), http.StatusUnprocessableEntity, "body.kind"},
		{"stock_unknown_warehouse", "", "/warehouses/nope/stock", adjust(`"kind":"receive","quantity":1,"reason":"x"`), http.StatusNotFound, "path.warehouseId"},
		{"stock_unknown_product", "", "/warehouses/" + w + "/stock", `{"product_id":"nope","kind":"receive","quantity":1,"reason":"x"}`, http.StatusNotFound, "body.product_id"},
		{"negative_count", "", "/warehouses/" + w + "/stock", adjust(`"kind":"count","quantity":-1,"reason":"x"`), http.StatusUnprocessableEntity, "body.quantity"},
		{"receive_negative", "", "/warehouses/" + w + "/stock", adjust(`"kind":"receive","quantity":-5,"reason":"x"`), http.StatusUnprocessableEntity, "body.quantity"},
		{"adjust_without_reason", "", "/warehouses/" + w + "/stock", adjust(`"kind":"receive","quantity":5`), http.StatusUnprocessableEntity, "body.reason"},
		{"bad_currency", "", "/products", `{"sku":"X","name":"x","price_minor":1,"currency":"rupiah"}`, http.StatusUnprocessableEntity, "body.currency"},
		{"negative_price", "", "/products", `{"sku":"X","name":"x","price_minor":-1,"currency":"IDR"}`, http.StatusUnprocessableEntity, "body.price_minor"},
		{"negative_threshold", "", "/products", `{"sku":"X","name":"x","price_minor":1,"currency":"IDR","low_stock_threshold":-1}`, http.StatusUnprocessableEntity, "body.low_stock_threshold"},
		{"invalid_status", http.MethodPatch, "/warehouses/" + w + "/status", `{"status":"closed"}`, http.StatusUnprocessableEntity, "body.status"},
		{"status_of_unknown_warehouse", http.MethodPatch, "/warehouses/nope/status", `{"status":"inactive"}`, http.StatusNotFound, "path.warehouseId"},
		{"warehouses_of_unknown_shop", http.MethodPut, "/shops/nope/warehouses", `{"warehouse_ids":[]}`, http.StatusNotFound, "path.shopId"},
		{"shop_set_to_unknown_warehouse", http.MethodPut, "/shops/" + shop + "/warehouses", `{"warehouse_ids":["` + w + `","nope"]}`, http.StatusNotFound, "body.warehouse_ids[1]"},
		{"duplicate_warehouse_in_shop", http.MethodPut, "/shops/" + shop + "/warehouses", `{"warehouse_ids":["` + w + `","` + w + `"]}`, http.StatusUnprocessableEntity, "body.warehouse_ids"},
		{"null_warehouse_list", http.MethodPut, "/shops/" + shop + "/warehouses", `{"warehouse_ids":null}`, http.StatusUnprocessableEntity, "body.warehouse_ids"},
		{"objects_in_id_list", http.MethodPut, "/shops/" + shop + "/warehouses", `{"warehouse_ids":[{},{}]}`, http.StatusUnprocessableEntity, "body"},
		{"objects_in_new_shop", "", "/shops", `{"name":"s","warehouse_ids":[{}]}`, http.StatusUnprocessableEntity, "body"},
		{"cursor_not_base64url", http.MethodGet, "/warehouses?cursor=a%2Bb", ``, http.StatusUnprocessableEntity, "query.cursor"},
		{"shop_with_unknown_warehouse", "", "/shops", `{"name":"s","warehouse_ids":["nope"]}`, http.StatusNotFound, "body.warehouse_ids[0]"},
		{"short_password", "", "/register", `{"email":"ana@example.com","password":"short"}`, http.StatusUnprocessableEntity, "body.password"},
		{"password_of_73_characters", "", "/register", `{"email":"ana@example.com","password":"` + strings.Repeat("é", 73) + `"}`, http.StatusUnprocessableEntity, "body.password"},
		{"unknown_product_read", http.MethodGet, "/products/nope", ``, http.StatusNotFound, "path.productId"},
		{"warehouses_of_unknown_shop_listed", http.MethodGet, "/shops/nope/warehouses", ``, http.StatusNotFound, "path.shopId"},
		{"bad_cursor", http.MethodGet, "/warehouses?cursor=not*base64", ``, http.StatusUnprocessableEntity, "query.cursor"},
		{"limit_too_large", http.MethodGet, "/products?limit=100000", ``, http.StatusUnprocessableEntity, "query.limit"},
		{"empty_limit", http.MethodGet, "/products?limit=", ``, http.StatusUnprocessableEntity, "query.limit"},
		{"empty_shop_filter", http.MethodGet, "/products?shop_id=", ``, http.StatusUnprocessableEntity, "query.shop_id"},
		{"unknown_shop_filter", http.MethodGet, "/products?shop_id=nope", ``, http.StatusNotFound, "query.shop_id"},
		{"bad_order_id", http.MethodGet, "/orders/a.b", ``, http.StatusUnprocessableEntity, "path.orderId"},
		{"payment_reference_too_long", "", "/orders/o1/pay", `{"payment_reference":"` + strings.Repeat("r", 201) + `"}`, http.StatusUnprocessableEntity, "body.payment_reference"},
		{"payment_reference_not_a_string", "", "/orders/o1/pay", `{"payment_reference":42}`, http.StatusUnprocessableEntity, "body.payment_reference"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			resp := f.do(method, c.path, authorization(f.admin), "Content-Type: application/json", strings.NewReader(c.body))
			pr := checkProblem(t, f, method, c.path, resp, c.status)
			// Never echo what was sent: bodies may hold a password.
			for _, sent := range []string{c.body, `"short"`, "éééé"} {
				if sent != "" && strings.Contains(pr.raw, sent) {
					t.Fatalf("problem %s echoes the request (%s)", pr.raw, sent)
				}
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
			t.Fatalf("problem %s does not name %s", pr.raw, c.location)
		})
	}
	if n := f.bus.count(); n != 0 {
		t.Fatalf("rejected requests produced %d commands", n)
	}
}

type checkedProblem struct {
	problem
	raw string
}

// checkProblem asserts resp is a problem+json with status, that the
// operation documents, without Go type names in its messages.
func checkProblem(t *testing.T, f *fixture, method, path string, resp *http.Response, status int) checkedProblem {
	t.Helper()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d %s, want %d", resp.StatusCode, raw, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var pr checkedProblem
	pr.raw = string(raw)
	if err := json.Unmarshal(raw, &pr.problem); err != nil || pr.Status != status || pr.Detail == "" {
		t.Fatalf("body %s is not a problem with status %d", raw, status)
	}
	for _, goName := range []string{"Go struct", "Go value", "int64", "InputBody"} {
		if strings.Contains(pr.raw, goName) {
			t.Fatalf("problem %s names a Go type (%s)", raw, goName)
		}
	}
	if op := operationOf(f.api.OpenAPI(), method, path); op == nil {
		t.Fatalf("no operation %s %s in the document", method, path)
	} else if op.Responses[strconv.Itoa(status)] == nil {
		t.Fatalf("%s %s answered %d, which its operation %s does not document", method, path, status, op.OperationID)
	}
	return pr
}

// operationOf finds the documented operation serving method and path.
func operationOf(oapi *huma.OpenAPI, method, path string) *huma.Operation {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for tmpl, item := range oapi.Paths {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		match := true
		for i := range tsegs {
			if !strings.HasPrefix(tsegs[i], "{") && tsegs[i] != segs[i] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		switch method {
		case http.MethodGet:
			if item.Get != nil {
				return item.Get
			}
		case http.MethodPost:
			if item.Post != nil {
				return item.Post
			}
		case http.MethodPut:
			if item.Put != nil {
				return item.Put
			}
		case http.MethodPatch:
			if item.Patch != nil {
				return item.Patch
			}
		}
	}
	return nil
}

// TestIntegralNumbersAreIntegers: JSON Schema counts 2.0 and 2e0 as
// integers, so the API takes them where the document says integer.
func TestIntegralNumbersAreIntegers(t *testing.T) {
	f := newFixture(t)
	processors(f)
	f.seed()
	for _, q := range []string{"2", "2.0", "2e0", "0.2e1"} {
		t.Run(q, func(t *testing.T) {
			body := `{"product_id":"p1","kind":"receive","quantity":` + q + `,"reason":"x"}`
			resp := f.do(http.MethodPost, "/warehouses/w1/stock", authorization(f.admin), "Content-Type: application/json", strings.NewReader(body))
			if resp.StatusCode != http.StatusOK {
				raw, _ := io.ReadAll(resp.Body)
				t.Fatalf("quantity %s = %d %s, want 200", q, resp.StatusCode, raw)
			}
		})
	}
}
