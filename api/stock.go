package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// StockLevel is one product@warehouse level after an adjustment.
type StockLevel struct {
	ProductID   string `json:"product_id"`
	WarehouseID string `json:"warehouse_id"`
	OnHand      int64  `json:"on_hand"`
	Reserved    int64  `json:"reserved"`
	Available   int64  `json:"available"`
	UpdatedAt   string `json:"updated_at" format:"date-time"`
}

type adjustStockInput struct {
	WarehouseID    ID     `path:"warehouseId"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry apply the adjustment once; reused with another body (or warehouse), 422."`
	Body           struct {
		ProductID      ID     `json:"product_id"`
		Kind           string `json:"kind" enum:"receive,count,correct" doc:"receive adds quantity; count sets on_hand to quantity; correct adds a signed quantity."`
		Quantity       int64  `json:"quantity" minimum:"-1000000000" maximum:"1000000000"`
		Reason         string `json:"reason" minLength:"1" maxLength:"500" example:"PO-1042 delivery"`
		Reference      string `json:"reference,omitempty" maxLength:"200"`
		ExpectedOnHand *int64 `json:"expected_on_hand,omitempty" minimum:"0" doc:"For count: refuse (409) unless on_hand is this value."`
	}
}

type stockOutput struct {
	Body StockLevel
}

func (s *server) registerStock(api huma.API) {
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "adjust-stock", Method: http.MethodPost, Path: "/warehouses/{warehouseId}/stock",
		Summary: "Receive, count or correct a product's stock in a warehouse", Tags: []string{"Stock"},
		MaxBodyBytes: smallBody,
	})), s.adjustStock)
}

func (s *server) adjustStock(ctx context.Context, in *adjustStockInput) (*stockOutput, error) {
	b := in.Body
	wid, pid := string(in.WarehouseID), string(b.ProductID)
	if err := checkAdjustQuantity(b.Kind, b.Quantity); err != nil {
		return nil, err
	}
	if _, err := s.warehouse(wid, "path.warehouseId"); err != nil {
		return nil, err
	}
	if _, err := s.product(pid, "body.product_id"); err != nil {
		return nil, err
	}
	expected := "none"
	if b.ExpectedOnHand != nil {
		expected = strconv.FormatInt(*b.ExpectedOnHand, 10)
	}
	if err := s.claimKey(ctx, "adjust-stock", in.IdempotencyKey,
		wid, pid, b.Kind, b.Quantity, strings.TrimSpace(b.Reason), b.Reference, expected); err != nil {
		return nil, err
	}
	id := newID("adjust-stock/"+wid+"/"+pid, in.IdempotencyKey)
	cmd := &pb.StockCommand{
		CommandId: id, ProductId: pid, WarehouseId: wid, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.StockCommand_Adjust{Adjust: &pb.Adjust{
			Kind: adjustKind(b.Kind), Quantity: b.Quantity, Reason: strings.TrimSpace(b.Reason),
			Reference: b.Reference, ExpectedOnHand: b.ExpectedOnHand,
		}},
	}
	key := stock.Key(pid, wid)
	l, err := apply(ctx, s, write{
		topic: topics.StockCommands, key: key, correlationID: id, cmd: cmd,
		view: s.Views.Stock, viewKey: key, location: "/products/" + pid,
	}, (*pb.Outcome).GetStockLevel)
	if err != nil {
		return nil, err
	}
	return &stockOutput{Body: StockLevel{
		ProductID: l.GetProductId(), WarehouseID: l.GetWarehouseId(),
		OnHand: l.GetOnHand(), Reserved: l.GetReserved(), Available: stock.Available(l),
		UpdatedAt: rfc3339(l.GetUpdatedAtUnixMs()),
	}}, nil
}

func checkAdjustQuantity(kind string, q int64) error {
	if err := stock.CheckAdjustQuantity(adjustKind(kind), q); err != nil {
		msg, _, _ := strings.Cut(err.Error(), ": ")
		return fieldError(http.StatusUnprocessableEntity, msg, "body.quantity", q)
	}
	return nil
}

func adjustKind(k string) pb.AdjustKind {
	switch k {
	case "receive":
		return pb.AdjustKind_ADJUST_KIND_RECEIVE
	case "count":
		return pb.AdjustKind_ADJUST_KIND_COUNT
	}
	return pb.AdjustKind_ADJUST_KIND_CORRECT
}
