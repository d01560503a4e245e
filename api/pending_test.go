package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/api"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// A 202's Location shows the pending order at once, even before the saga
// has stored it (nothing answers the command here).
func TestAnAcceptedOrdersLocationShowsItPending(t *testing.T) {
	f := newFixture(t, func(d *api.Deps) { d.WaitTimeout = 200 * time.Millisecond })
	_, product, shop := f.seed()
	resp := f.do(http.MethodPost, "/orders", authorization(f.customer), map[string]any{"shop_id": shop, "lines": []map[string]any{{"product_id": product, "quantity": 1}}})
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") == "" {
		t.Fatalf("place = %d (Location %q), want 202 with a Location", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := f.do(http.MethodGet, resp.Header.Get("Location"), authorization(f.customer))
	var o api.Order
	if err := json.NewDecoder(got.Body).Decode(&o); err != nil || got.StatusCode != http.StatusOK || o.Status != "pending" {
		t.Fatalf("GET Location = %d %+v (%v), want 200 pending", got.StatusCode, o, err)
	}
}

// A retry of an order answered 202 sends the place again rather than
// answering from what this instance remembers: the saga places an order
// id once, and a command it never stored is placed by the retry.
func TestARetryOfAnAcceptedOrderSendsItAgain(t *testing.T) {
	f := newFixture(t, func(d *api.Deps) { d.WaitTimeout = 200 * time.Millisecond })
	_, product, shop := f.seed()
	body := map[string]any{"shop_id": shop, "lines": []map[string]any{{"product_id": product, "quantity": 1}}}
	first := f.do(http.MethodPost, "/orders", authorization(f.customer), "Idempotency-Key: retry-1", body)
	if first.StatusCode != http.StatusAccepted {
		t.Fatalf("first attempt = %d, want 202 (nothing answers)", first.StatusCode)
	}
	sent := f.bus.count()
	f.bus.respond = func(_ goka.Stream, _ string, msg proto.Message) *pb.Outcome {
		cmd := msg.(*pb.OrderCommand)
		return &pb.Outcome{CorrelationId: cmd.GetCorrelationId(), Result: &pb.Outcome_Order{Order: &pb.Order{
			Id: cmd.GetOrderId(), Status: pb.OrderStatus_ORDER_STATUS_RESERVED, RequestHash: cmd.GetPlace().GetRequestHash(), Version: 2,
		}}}
	}
	retry := f.do(http.MethodPost, "/orders", authorization(f.customer), "Idempotency-Key: retry-1", body)
	if retry.StatusCode != http.StatusCreated || f.bus.count() != sent+1 {
		t.Fatalf("retry = %d after %d commands sent again, want 201 after 1", retry.StatusCode, f.bus.count()-sent)
	}
	if retry.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("retry's Location %q, first's %q: want the same order", retry.Header.Get("Location"), first.Header.Get("Location"))
	}
}
