package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestPayCarriesTheOptionalPaymentReferenceToTheSagaAndShowsIt(t *testing.T) {
	cases := []struct {
		name, body, reference string
	}{
		{"a_reference_in_the_body_is_sent_and_shown", `{"payment_reference":"psp-ch_3PqX91"}`, "psp-ch_3PqX91"},
		{"an_empty_object_pays_without_a_reference", `{}`, ""},
		{"no_body_at_all_pays_without_a_reference", ``, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			reserved := &pb.Order{
				Id: "o1", UserId: "user-1", ShopId: "s1", Status: pb.OrderStatus_ORDER_STATUS_RESERVED, Version: 2,
				Lines: []*pb.OrderLine{{ProductId: "p1", Quantity: 2, Allocations: []*pb.Allocation{{WarehouseId: "w1", Quantity: 2}}}},
			}
			f.tables["orders"].put("o1", &pb.OrderState{Order: proto.Clone(reserved).(*pb.Order)})
			var sent *pb.PayOrder
			f.bus.respond = func(_ goka.Stream, _ string, msg proto.Message) *pb.Outcome {
				sent = msg.(*pb.OrderCommand).GetPay()
				o := proto.Clone(reserved).(*pb.Order)
				o.Status, o.Version, o.PaymentReference, o.PaidAtUnixMs = pb.OrderStatus_ORDER_STATUS_PAID, 3, sent.GetPaymentReference(), 1796222466452
				return &pb.Outcome{Result: &pb.Outcome_Order{Order: o}}
			}
			args := []any{authorization(f.customer)}
			if c.body != "" {
				args = append(args, "Content-Type: application/json", strings.NewReader(c.body))
			}
			resp := f.do(http.MethodPost, "/orders/o1/pay", args...)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || sent == nil || sent.GetPaymentReference() != c.reference {
				t.Fatalf("pay = %d %s, sent %v, want 200 and reference %q sent", resp.StatusCode, raw, sent, c.reference)
			}
			var got struct {
				PaymentReference string `json:"payment_reference"`
				PaidAt           string `json:"paid_at"`
				AllocationsState string `json:"allocations_state"`
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if got.PaymentReference != c.reference || got.PaidAt != "2026-12-02T14:41:06.452Z" || got.AllocationsState != "committed" {
				t.Fatalf("paid order %s, want reference %q, paid_at and allocations committed", raw, c.reference)
			}
		})
	}
}
