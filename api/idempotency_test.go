package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/stream"
	"github.com/stockflow/stockflow/processors/catalog"
	"github.com/stockflow/stockflow/processors/idempotency"
	"github.com/stockflow/stockflow/processors/shops"
	"github.com/stockflow/stockflow/processors/users"
	"github.com/stockflow/stockflow/processors/warehouses"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// processors answers commands with the processors' pure rules, keeping
// their tables in the fixture's views; stock adjustments add to on_hand
// once per command id.
func processors(f *fixture) {
	var mu sync.Mutex
	claims := map[string]*pb.KeyClaim{}
	adjusted := map[string]bool{}
	now := time.Now()
	f.bus.respond = func(_ goka.Stream, key string, msg proto.Message) *pb.Outcome {
		mu.Lock()
		defer mu.Unlock()
		problem := func(p *pb.Problem) *pb.Outcome { return &pb.Outcome{Result: &pb.Outcome_Problem{Problem: p}} }
		switch cmd := msg.(type) {
		case *pb.KeyCommand:
			c, p := idempotency.Apply(claims[key], cmd, now)
			if p != nil {
				return problem(stream.ProblemOf(p))
			}
			claims[key] = c
			return &pb.Outcome{Result: &pb.Outcome_KeyClaim{KeyClaim: c}}
		case *pb.WarehouseCommand:
			before, _ := f.tables["warehouses"].row(key).(*pb.Warehouse)
			w, p := warehouses.Apply(before, cmd, now)
			if p != nil {
				return problem(stream.ProblemOf(p))
			}
			f.tables["warehouses"].put(key, w)
			return &pb.Outcome{Result: &pb.Outcome_Warehouse{Warehouse: w}}
		case *pb.ShopCommand:
			before, _ := f.tables["shops"].row(key).(*pb.Shop)
			s, p := shops.Apply(before, cmd, now)
			if p != nil {
				return problem(stream.ProblemOf(p))
			}
			f.tables["shops"].put(key, s)
			return &pb.Outcome{Result: &pb.Outcome_Shop{Shop: s}}
		case *pb.CatalogCommand: // the skus processor's claim is skipped
			before, _ := f.tables["catalog"].row(cmd.GetProductId()).(*pb.Product)
			pr, p := catalog.Apply(before, cmd, now)
			if p != nil {
				return problem(stream.ProblemOf(p))
			}
			f.tables["catalog"].put(cmd.GetProductId(), pr)
			return &pb.Outcome{Result: &pb.Outcome_Product{Product: pr}}
		case *pb.UserCommand:
			before, _ := f.tables["users"].row(key).(*pb.User)
			u, p := users.Apply(before, cmd, now)
			if p != nil {
				return problem(stream.ProblemOf(p))
			}
			f.tables["users"].put(key, u)
			return &pb.Outcome{Result: &pb.Outcome_User{User: u}}
		case *pb.StockCommand:
			l, _ := f.tables["stock"].row(key).(*pb.StockLevel)
			l = proto.Clone(l).(*pb.StockLevel)
			if !adjusted[cmd.GetCommandId()] {
				adjusted[cmd.GetCommandId()] = true
				l.OnHand += cmd.GetAdjust().GetQuantity()
				l.Version++
			}
			f.tables["stock"].put(key, l)
			return &pb.Outcome{Result: &pb.Outcome_StockLevel{StockLevel: l}}
		}
		return nil
	}
}

func TestIdempotencyKeyMeansTheSameOnEveryEndpoint(t *testing.T) {
	cases := []struct {
		name        string
		path        string
		first, next any
	}{
		{"register", "/register",
			map[string]any{"email": "ana@example.com", "password": "correct-horse"},
			map[string]any{"email": "bob@example.com", "password": "correct-horse"}},
		{"create_warehouse", "/warehouses", map[string]any{"name": "north"}, map[string]any{"name": "south"}},
		{"create_shop", "/shops",
			map[string]any{"name": "shop", "warehouse_ids": []string{"w1"}},
			map[string]any{"name": "shop", "warehouse_ids": []string{}}},
		{"create_product", "/products",
			map[string]any{"sku": "CAP", "name": "Cap", "price_minor": 100, "currency": "IDR"},
			map[string]any{"sku": "CAP", "name": "Cap", "price_minor": 200, "currency": "IDR"}},
		{"adjust_stock", "/warehouses/w1/stock",
			map[string]any{"product_id": "p1", "kind": "receive", "quantity": 3, "reason": "PO-1"},
			map[string]any{"product_id": "p1", "kind": "receive", "quantity": 30, "reason": "PO-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed()
			processors(f)
			send := func(body any) (*http.Response, []byte) {
				resp := f.do(http.MethodPost, c.path, authorization(f.admin), "Idempotency-Key: key-1", body)
				raw, _ := io.ReadAll(resp.Body)
				return resp, raw
			}
			first, firstBody := send(c.first)
			if first.StatusCode >= 300 {
				t.Fatalf("first request = %d %s", first.StatusCode, firstBody)
			}
			retry, retryBody := send(c.first)
			if retry.StatusCode != first.StatusCode || !sameID(firstBody, retryBody) {
				t.Fatalf("retry = %d %s, want %d %s", retry.StatusCode, retryBody, first.StatusCode, firstBody)
			}
			sent := f.bus.count()
			other, otherBody := send(c.next)
			if other.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("same key, another body = %d %s, want 422", other.StatusCode, otherBody)
			}
			var pr problem
			if err := json.Unmarshal(otherBody, &pr); err != nil || len(pr.Errors) == 0 || pr.Errors[0].Location != "header.Idempotency-Key" {
				t.Fatalf("problem %s does not name header.Idempotency-Key", otherBody)
			}
			if n := f.bus.count() - sent; n != 1 {
				t.Fatalf("the refused request produced %d messages, want only its key claim", n)
			}
		})
	}
}

func sameID(a, b []byte) bool {
	var x, y struct {
		ID      string `json:"id"`
		OnHand  int64  `json:"on_hand"`
		Version string `json:"updated_at"`
	}
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && x == y
}
