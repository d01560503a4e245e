package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Shop is a shop as the API shows it.
type Shop struct {
	ID           string   `json:"id"`
	Name         string   `json:"name" example:"Main store"`
	WarehouseIDs []string `json:"warehouse_ids" nullable:"false" doc:"Warehouses serving the shop, in order of preference."`
	CreatedAt    string   `json:"created_at" format:"date-time"`
	UpdatedAt    string   `json:"updated_at" format:"date-time"`
}

type createShopInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's result; reused with another body, 422."`
	Body           struct {
		Name         string   `json:"name" minLength:"1" maxLength:"200" example:"Main store"`
		WarehouseIDs []string `json:"warehouse_ids" nullable:"false" maxItems:"100" uniqueItems:"true" doc:"Ordered by preference."`
	}
}

type shopOutput struct {
	Location string `header:"Location"`
	Body     Shop
}

type shopIDInput struct {
	ShopID ID `path:"shopId"`
}

type setShopWarehousesInput struct {
	ShopID ID `path:"shopId"`
	Body   struct {
		WarehouseIDs []string `json:"warehouse_ids" nullable:"false" maxItems:"100" uniqueItems:"true" doc:"The complete new list, ordered by preference."`
	}
}

// ShopWarehouse is a warehouse serving a shop, with its rank in the shop's
// preference order.
type ShopWarehouse struct {
	Warehouse
	Priority int `json:"priority" minimum:"1" doc:"1 is the shop's first choice; new orders reserve from active warehouses in this order."`
}

type shopWarehousesOutput struct {
	Body Page[ShopWarehouse]
}

func (s *server) registerShops(api huma.API) {
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "create-shop", Method: http.MethodPost, Path: "/shops",
		Summary: "Create a shop", Tags: []string{"Shops"}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: smallBody,
	})), s.createShop)
	huma.Register(api, huma.Operation{
		OperationID: "get-shop", Method: http.MethodGet, Path: "/shops/{shopId}",
		Summary: "Get a shop", Tags: []string{"Shops"},
	}, s.getShop)
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "set-shop-warehouses", Method: http.MethodPut, Path: "/shops/{shopId}/warehouses",
		Summary: "Replace a shop's ordered warehouse list", Tags: []string{"Shops"}, MaxBodyBytes: smallBody,
	})), s.setShopWarehouses)
	huma.Register(api, huma.Operation{
		OperationID: "list-shop-warehouses", Method: http.MethodGet, Path: "/shops/{shopId}/warehouses",
		Summary: "List a shop's warehouses, in order of preference", Tags: []string{"Shops"},
		Description: "Each warehouse with its status and the shop's priority; inactive ones are listed but serve no new orders.",
	}, s.listShopWarehouses)
}

// checkWarehouses reports the first warehouse id that does not exist.
func (s *server) checkWarehouses(ids []string) error {
	for i, wid := range ids {
		if _, err := s.warehouse(wid, fmt.Sprintf("body.warehouse_ids[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) setShopWarehouses(ctx context.Context, in *setShopWarehousesInput) (*shopOutput, error) {
	id := string(in.ShopID)
	if _, err := s.shop(id, "path.shopId"); err != nil {
		return nil, err
	}
	if err := s.checkWarehouses(in.Body.WarehouseIDs); err != nil {
		return nil, err
	}
	cid := newID("", "")
	cmd := &pb.ShopCommand{
		CommandId: cid, ShopId: id, CorrelationId: cid, IssuedAtUnixMs: nowMs(),
		Kind: &pb.ShopCommand_SetWarehouses{SetWarehouses: &pb.SetShopWarehouses{WarehouseIds: in.Body.WarehouseIDs}},
	}
	return s.applyShop(ctx, id, cid, cmd)
}

func (s *server) createShop(ctx context.Context, in *createShopInput) (*shopOutput, error) {
	if err := s.checkWarehouses(in.Body.WarehouseIDs); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Body.Name)
	if err := s.claimKey(ctx, "create-shop", in.IdempotencyKey, name, in.Body.WarehouseIDs); err != nil {
		return nil, err
	}
	id := newID("create-shop", in.IdempotencyKey)
	cmd := &pb.ShopCommand{
		CommandId: id, ShopId: id, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.ShopCommand_Create{Create: &pb.CreateShop{Name: name, WarehouseIds: in.Body.WarehouseIDs}},
	}
	return s.applyShop(ctx, id, id, cmd)
}

// applyShop sends a command for shop id and answers with the shop it made.
func (s *server) applyShop(ctx context.Context, id, correlationID string, cmd *pb.ShopCommand) (*shopOutput, error) {
	shop, err := apply(ctx, s, write{
		topic: topics.ShopCommands, key: id, correlationID: correlationID, cmd: cmd,
		view: s.Views.Shops, viewKey: id, location: "/shops/" + id,
	}, (*pb.Outcome).GetShop)
	if err != nil {
		return nil, err
	}
	return &shopOutput{Location: "/shops/" + id, Body: shopBody(shop)}, nil
}

func (s *server) getShop(_ context.Context, in *shopIDInput) (*shopOutput, error) {
	shop, err := s.shop(string(in.ShopID), "path.shopId")
	if err != nil {
		return nil, err
	}
	return &shopOutput{Location: "/shops/" + shop.GetId(), Body: shopBody(shop)}, nil
}

func (s *server) listShopWarehouses(_ context.Context, in *shopIDInput) (*shopWarehousesOutput, error) {
	shop, err := s.shop(string(in.ShopID), "path.shopId")
	if err != nil {
		return nil, err
	}
	out := Page[ShopWarehouse]{Items: []ShopWarehouse{}}
	for i, wid := range shop.GetWarehouseIds() {
		if w, ok, err := lookup[*pb.Warehouse](s.Views.Warehouses, wid); err != nil {
			return nil, err
		} else if ok {
			out.Items = append(out.Items, ShopWarehouse{Warehouse: warehouseBody(w), Priority: i + 1})
		}
	}
	return &shopWarehousesOutput{Body: out}, nil
}

// shop reads a shop that a request references at location.
func (s *server) shop(id, location string) (*pb.Shop, error) {
	return find[*pb.Shop](s.Views.Shops, "shop", id, location)
}

func shopBody(s *pb.Shop) Shop {
	ids := s.GetWarehouseIds()
	if ids == nil {
		ids = []string{}
	}
	return Shop{
		ID: s.GetId(), Name: s.GetName(), WarehouseIDs: ids,
		CreatedAt: rfc3339(s.GetCreatedAtUnixMs()), UpdatedAt: rfc3339(s.GetUpdatedAtUnixMs()),
	}
}
