package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/processors/skus"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Product is a catalog product as the API shows it.
type Product struct {
	ID           string        `json:"id"`
	SKU          string        `json:"sku" example:"TSHIRT-RED-M"`
	Name         string        `json:"name" example:"Red T-shirt, M"`
	PriceMinor   int64         `json:"price_minor" example:"129900" doc:"Price in minor units of currency."`
	Currency     string        `json:"currency" example:"IDR"`
	LowStock     int64         `json:"low_stock_threshold"`
	CreatedAt    string        `json:"created_at" format:"date-time"`
	UpdatedAt    string        `json:"updated_at" format:"date-time"`
	Availability *Availability `json:"availability,omitempty"`
}

// Availability is a product's stock across warehouses.
type Availability struct {
	Available  int64            `json:"available" doc:"Sum of available over active warehouses."`
	Warehouses []WarehouseStock `json:"warehouses" nullable:"false"`
}

// WarehouseStock is one product@warehouse level.
type WarehouseStock struct {
	WarehouseID string `json:"warehouse_id"`
	Status      string `json:"status" enum:"active,inactive"`
	OnHand      int64  `json:"on_hand"`
	Reserved    int64  `json:"reserved"`
	Available   int64  `json:"available"`
}

type createProductInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's result; reused with another body, 422."`
	Body           struct {
		SKU        string `json:"sku" pattern:"^[A-Za-z0-9._-]{1,64}$" example:"TSHIRT-RED-M"`
		Name       string `json:"name" minLength:"1" maxLength:"200" example:"Red T-shirt, M"`
		PriceMinor int64  `json:"price_minor" minimum:"0" maximum:"1000000000000" example:"129900"`
		Currency   string `json:"currency" pattern:"^[A-Z]{3}$" example:"IDR" doc:"ISO 4217 code."`
		// Pointer: absent means the default, 0 means never warn before out of stock.
		LowStockThreshold *int64 `json:"low_stock_threshold,omitempty" minimum:"0" maximum:"1000000000" doc:"Raise a low-stock event when a warehouse's available falls to this or below (default 5)."`
	}
}

type productOutput struct {
	Location string `header:"Location"`
	Body     Product
}

type listProductsInput struct {
	PageParams
	ShopID ID `query:"shop_id" doc:"Count only this shop's active warehouses."`
}

type getProductInput struct {
	ProductID ID `path:"productId"`
	ShopID    ID `query:"shop_id" doc:"Count only this shop's active warehouses."`
}

// warehouseStatuses memoises warehouse statuses for one request: a page of
// products touches the same few warehouses over and over.
type warehouseStatuses map[string]string

// of returns a warehouse's status ("active" if it is not in the view yet).
func (ws warehouseStatuses) of(t Table, id string) string {
	if st, ok := ws[id]; ok {
		return st
	}
	st := "active"
	if w, ok, _ := lookup[*pb.Warehouse](t, id); ok {
		st = warehouseStatus(w.GetStatus())
	}
	ws[id] = st
	return st
}

// scope limits availability to some warehouses (all when nil).
type scope map[string]bool

// scopeOf resolves an optional shop filter.
func (s *server) scopeOf(shopID string) (scope, error) {
	if shopID == "" {
		return nil, nil
	}
	shop, err := s.shop(shopID, "query.shop_id")
	if err != nil {
		return nil, err
	}
	sc := scope{}
	for _, w := range shop.GetWarehouseIds() {
		sc[w] = true
	}
	return sc, nil
}

type productPage struct {
	Body Page[Product]
}

func (s *server) registerProducts(api huma.API) {
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "create-product", Method: http.MethodPost, Path: "/products",
		Summary: "Create a product", Tags: []string{"Products"}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: smallBody,
	})), s.createProduct)
	huma.Register(api, optionalAuth(huma.Operation{
		OperationID: "list-products", Method: http.MethodGet, Path: "/products",
		Summary: "List products with availability", Tags: []string{"Products"},
		Description: "Admins (with a token) also see inactive warehouses.",
		Errors:      []int{http.StatusNotFound},
	}), s.listProducts)
	huma.Register(api, optionalAuth(huma.Operation{
		OperationID: "get-product", Method: http.MethodGet, Path: "/products/{productId}",
		Summary: "Get a product with per-warehouse availability", Tags: []string{"Products"},
		Description: "Admins (with a token) also see inactive warehouses.",
	}), s.getProduct)
}

func (s *server) createProduct(ctx context.Context, in *createProductInput) (*productOutput, error) {
	b := in.Body
	if err := s.claimKey(ctx, "create-product", in.IdempotencyKey,
		skus.Normalize(b.SKU), strings.TrimSpace(b.Name), b.PriceMinor, b.Currency, lowStockThreshold(b.LowStockThreshold)); err != nil {
		return nil, err
	}
	id := newID("create-product", in.IdempotencyKey)
	cmd := &pb.CatalogCommand{
		CommandId: id, ProductId: id, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.CatalogCommand_Create{Create: &pb.CreateProduct{
			Sku: in.Body.SKU, Name: strings.TrimSpace(in.Body.Name),
			PriceMinor: in.Body.PriceMinor, Currency: in.Body.Currency,
			LowStockThreshold: lowStockThreshold(in.Body.LowStockThreshold),
		}},
	}
	// The skus processor claims the SKU, then forwards the command to the catalog.
	p, err := apply(ctx, s, write{
		topic: topics.SkuCommands, key: skus.Normalize(in.Body.SKU), correlationID: id, cmd: cmd,
		view: s.Views.Catalog, viewKey: id, location: "/products/" + id,
	}, (*pb.Outcome).GetProduct)
	if err != nil {
		return nil, err
	}
	return &productOutput{Location: "/products/" + id, Body: productBody(p)}, nil
}

func (s *server) listProducts(ctx context.Context, in *listProductsInput) (*productPage, error) {
	admin := callerOf(ctx).Admin
	sc, err := s.scopeOf(string(in.ShopID))
	if err != nil {
		return nil, err
	}
	statuses := warehouseStatuses{}
	var scanErr error
	p, err := page(s.Views.Catalog, in.PageParams, func(p *pb.Product) (Product, bool) {
		body := productBody(p)
		a, err := s.availability(p.GetId(), admin, sc, statuses)
		if err != nil {
			scanErr = err
			return body, false
		}
		body.Availability = a
		return body, true
	})
	if err == nil {
		err = scanErr
	}
	return &productPage{Body: p}, err
}

func (s *server) getProduct(ctx context.Context, in *getProductInput) (*productOutput, error) {
	sc, err := s.scopeOf(string(in.ShopID))
	if err != nil {
		return nil, err
	}
	p, err := s.product(string(in.ProductID), "path.productId")
	if err != nil {
		return nil, err
	}
	body := productBody(p)
	if body.Availability, err = s.availability(p.GetId(), callerOf(ctx).Admin, sc, warehouseStatuses{}); err != nil {
		return nil, err
	}
	return &productOutput{Location: "/products/" + p.GetId(), Body: body}, nil
}

func lowStockThreshold(v *int64) int64 {
	if v == nil {
		return stock.DefaultLowStockThreshold
	}
	return *v
}

// product reads a product that a request references at location.
func (s *server) product(id, location string) (*pb.Product, error) {
	return find[*pb.Product](s.Views.Catalog, "product", id, location)
}

// availability sums a product's stock over active warehouses (of the scope,
// if any) and lists its levels: every warehouse for admins, active ones for
// everybody else. A product's levels are contiguous in the stock view's key
// order (product@warehouse), so this is one short range read per product.
func (s *server) availability(productID string, admin bool, sc scope, statuses warehouseStatuses) (*Availability, error) {
	levels, err := s.levels(productID)
	if err != nil {
		return nil, err
	}
	a := &Availability{Warehouses: []WarehouseStock{}}
	for _, l := range levels {
		if sc != nil && !sc[l.GetWarehouseId()] {
			continue
		}
		ws := levelBody(l)
		ws.Status = statuses.of(s.Views.Warehouses, l.GetWarehouseId())
		if ws.Status == "active" {
			a.Available += ws.Available
		} else if !admin {
			continue
		}
		a.Warehouses = append(a.Warehouses, ws)
	}
	return a, nil
}

// levels reads every stock level of a product (one per warehouse).
func (s *server) levels(productID string) ([]*pb.StockLevel, error) {
	it, err := s.Views.Stock.IteratorWithRange(stock.ProductPrefix(productID), stock.ProductPrefixEnd(productID))
	if err != nil {
		return nil, huma.Error503ServiceUnavailable("stock scan failed", err)
	}
	defer it.Release()
	var out []*pb.StockLevel
	for it.Next() {
		raw, err := it.Value()
		if err != nil {
			return nil, huma.Error503ServiceUnavailable("stock scan failed", err)
		}
		if l, ok := raw.(*pb.StockLevel); ok {
			out = append(out, l)
		}
	}
	return out, nil
}

func levelBody(l *pb.StockLevel) WarehouseStock {
	return WarehouseStock{
		WarehouseID: l.GetWarehouseId(), Status: "active",
		OnHand: l.GetOnHand(), Reserved: l.GetReserved(), Available: stock.Available(l),
	}
}

func productBody(p *pb.Product) Product {
	return Product{
		ID: p.GetId(), SKU: p.GetSku(), Name: p.GetName(), PriceMinor: p.GetPriceMinor(), Currency: p.GetCurrency(),
		LowStock:  p.GetLowStockThreshold(),
		CreatedAt: rfc3339(p.GetCreatedAtUnixMs()), UpdatedAt: rfc3339(p.GetUpdatedAtUnixMs()),
	}
}
