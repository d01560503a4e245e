package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Order is an order as the API shows it.
type Order struct {
	ID          string       `json:"id"`
	UserID      string       `json:"user_id"`
	ShopID      string       `json:"shop_id"`
	Status      string       `json:"status" enum:"pending,reserved,paid,rejected,expired,cancelled"`
	Lines       []OrderLine  `json:"lines" nullable:"false"`
	Allocations []Allocation `json:"allocations" nullable:"false" doc:"Where each line's stock was allocated; allocations_state says whether it is still held there."`
	// AllocationsState says what the allocations are now.
	AllocationsState string        `json:"allocations_state" enum:"held,committed,released" doc:"held: the stock is reserved for the order (pending, reserved); committed: it was taken from those warehouses (paid); released: it was given back and nothing is held any more (cancelled, expired, rejected)."`
	CreatedAt        string        `json:"created_at" format:"date-time"`
	UpdatedAt        string        `json:"updated_at,omitempty" format:"date-time"`
	ExpiresAt        string        `json:"expires_at" format:"date-time" doc:"Reserved stock is released if the order is not paid by then."`
	PaidAt           string        `json:"paid_at,omitempty" format:"date-time" doc:"When the order was paid."`
	PaymentReference string        `json:"payment_reference,omitempty" doc:"The reference given with the payment, if any."`
	CancelledAt      string        `json:"cancelled_at,omitempty" format:"date-time" doc:"When the order was cancelled."`
	CancelReason     string        `json:"cancel_reason,omitempty" doc:"Why the order was cancelled."`
	Problem          *OrderProblem `json:"problem,omitempty" doc:"Why the order was rejected."`
}

// OrderLine is one product line of an order.
type OrderLine struct {
	ProductID      string `json:"product_id"`
	Quantity       int64  `json:"quantity"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
	Currency       string `json:"currency"`
}

// Allocation is quantity of a product held in a warehouse for an order.
type Allocation struct {
	ProductID   string `json:"product_id"`
	WarehouseID string `json:"warehouse_id"`
	Quantity    int64  `json:"quantity"`
}

// OrderProblem explains a rejection.
type OrderProblem struct {
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty" example:"lines[1].quantity"`
}

// LineInput is one requested line.
type LineInput struct {
	ProductID ID    `json:"product_id"`
	Quantity  int64 `json:"quantity" minimum:"1" maximum:"1000000"`
}

type placeOrderInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's order."`
	Body           struct {
		ShopID ID          `json:"shop_id"`
		Lines  []LineInput `json:"lines" nullable:"false" minItems:"1" maxItems:"100"`
	}
}

type orderOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     Order
}

type orderIDInput struct {
	OrderID ID `path:"orderId"`
}

type payOrderInput struct {
	OrderID ID `path:"orderId"`
	Body    *struct {
		PaymentReference string `json:"payment_reference,omitempty" maxLength:"200" example:"psp-ch_3PqX91" doc:"Your payment provider's reference for this payment; stored on the order and carried in its paid event."`
	}
}

type cancelOrderInput struct {
	OrderID ID `path:"orderId"`
	Body    *struct {
		Reason string `json:"reason,omitempty" maxLength:"500"`
	}
}

func (s *server) registerOrders(api huma.API) {
	huma.Register(api, signedIn(acceptedAs[Order](huma.Operation{
		OperationID: "place-order", Method: http.MethodPost, Path: "/orders",
		Summary: "Place an order, reserving its stock", Tags: []string{"Orders"}, DefaultStatus: http.StatusCreated,
		Description:  "Answers 201 with the reserved order, 409 when a line cannot be reserved (naming it), or 202 with a Location to poll when the outcome takes longer than the wait timeout.",
		MaxBodyBytes: 64 * 1024, Errors: []int{http.StatusConflict, http.StatusNotFound, http.StatusUnprocessableEntity},
	})), s.placeOrder)
	huma.Register(api, signedIn(huma.Operation{
		OperationID: "list-orders", Method: http.MethodGet, Path: "/orders",
		Summary: "List my orders (every order for admins)", Tags: []string{"Orders"},
	}), s.listOrders)
	huma.Register(api, signedIn(huma.Operation{
		OperationID: "get-order", Method: http.MethodGet, Path: "/orders/{orderId}",
		Summary: "Get an order", Tags: []string{"Orders"},
	}), s.getOrder)
	huma.Register(api, signedIn(command(huma.Operation{
		OperationID: "pay-order", Method: http.MethodPost, Path: "/orders/{orderId}/pay",
		Summary: "Confirm payment: commit the order's reserved stock", Tags: []string{"Orders"}, MaxBodyBytes: smallBody,
		Description: "The body is optional. Paying a paid order again answers it unchanged (the first payment's reference stays).",
	})), s.payOrder)
	huma.Register(api, signedIn(command(huma.Operation{
		OperationID: "cancel-order", Method: http.MethodPost, Path: "/orders/{orderId}/cancel",
		Summary: "Cancel an order, releasing its reserved stock", Tags: []string{"Orders"}, MaxBodyBytes: smallBody,
	})), s.cancelOrder)
}

func (s *server) placeOrder(ctx context.Context, in *placeOrderInput) (*orderOutput, error) {
	who := callerOf(ctx)
	id := newID("place-order/"+who.UserID, in.IdempotencyKey)
	// Without an Idempotency-Key the id is new: no earlier order has it.
	// A decided earlier order is the answer. A pending one is sent again:
	// the saga places an order id once, and the retry waits for the
	// decision as the first attempt did. An order this instance only
	// remembers (its 202) may be one the saga never stored; only sending
	// it again makes sure it is.
	if in.IdempotencyKey != "" {
		if earlier, ok, err := madeBefore(s.order, id, requestHash(in), in.IdempotencyKey); err != nil {
			return nil, err
		} else if ok && earlier.GetStatus() != pb.OrderStatus_ORDER_STATUS_PENDING {
			return orderResult(earlier)
		}
	}
	place, err := s.resolveOrder(who, in)
	if err != nil {
		return nil, err
	}
	cmd := &pb.OrderCommand{
		CommandId: id, OrderId: id, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.OrderCommand_Place{Place: place},
	}
	o, err := s.request(ctx, topics.OrderCommands, id, id, cmd, decided)
	if err != nil {
		if err == errPending {
			// The Location must show the order while the saga is behind:
			// this instance remembers it as pending until the view has it.
			pending := pendingOrder(id, place)
			s.remember(pending)
			return &orderOutput{Status: http.StatusAccepted, Location: "/orders/" + id, Body: orderBody(pending)}, nil
		}
		return nil, err
	}
	if o.GetOrder() == nil {
		return nil, unexpectedOutcome(o)
	}
	if o.GetOrder().GetRequestHash() != place.GetRequestHash() {
		// A concurrent first attempt with this key placed a different order.
		return nil, keyReused(in.IdempotencyKey)
	}
	s.remember(o.GetOrder())
	return orderResult(o.GetOrder())
}

func keyReused(key string) error {
	return fieldError(http.StatusUnprocessableEntity, "Idempotency-Key was already used for a different request", "header.Idempotency-Key", key)
}

// resolveOrder checks the request against the views and builds the command:
// each line gets its price and the shop's active warehouses, best first.
func (s *server) resolveOrder(who auth.Principal, in *placeOrderInput) (*pb.PlaceOrder, error) {
	if err := checkDistinctProducts(in.Body.Lines); err != nil {
		return nil, err
	}
	shop, err := s.shop(string(in.Body.ShopID), "body.shop_id")
	if err != nil {
		return nil, err
	}
	active := s.activeWarehouses(shop)
	place := &pb.PlaceOrder{UserId: who.UserID, ShopId: shop.GetId(), TtlSeconds: int64(s.ReservationTTL.Seconds())}
	for i, l := range in.Body.Lines {
		p, err := s.product(string(l.ProductID), fmt.Sprintf("body.lines[%d].product_id", i))
		if err != nil {
			return nil, err
		}
		cands := s.candidates(string(l.ProductID), active)
		// Only a request without an Idempotency-Key may be refused from the
		// view: a retry's first attempt may still be in flight, and only
		// the saga can tell what became of it.
		if avail, short := orders.Shortfall(l.Quantity, cands); short && len(active) > 0 && in.IdempotencyKey == "" {
			return nil, soldOut(i, l, avail)
		}
		place.Lines = append(place.Lines, &pb.LineRequest{
			ProductId: string(l.ProductID), Quantity: l.Quantity,
			WarehouseIds:   orders.RankWarehouses(l.Quantity, cands),
			UnitPriceMinor: p.GetPriceMinor(), Currency: p.GetCurrency(),
		})
	}
	place.RequestHash = requestHash(in)
	return place, nil
}

// candidates are the line's warehouses with what the stock view shows available.
func (s *server) candidates(productID string, active []string) []orders.Candidate {
	cands := make([]orders.Candidate, 0, len(active))
	for _, wid := range active {
		l, _, _ := lookup[*pb.StockLevel](s.Views.Stock, stock.Key(productID, wid))
		cands = append(cands, orders.Candidate{WarehouseID: wid, Available: stock.Available(l)})
	}
	return cands
}

// soldOut is the 409 for a line the stock view cannot fill, worded like
// the saga's rejection.
func soldOut(i int, l LineInput, avail int64) error {
	metrics.OrdersFinished.WithLabelValues("refused_from_view").Inc()
	return problemError(&pb.Problem{
		Code:   pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK,
		Detail: fmt.Sprintf("insufficient stock for product %s: requested %d, %d available in the shop's active warehouses", l.ProductID, l.Quantity, avail),
		Field:  fmt.Sprintf("lines[%d].quantity", i),
	})
}

func checkDistinctProducts(lines []LineInput) error {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = string(l.ProductID)
	}
	i, j, repeated := orders.RepeatedProduct(ids)
	if !repeated {
		return nil
	}
	msg := fmt.Sprintf("product %s is already ordered in lines[%d]; put the whole quantity on one line", ids[i], j)
	return fieldError(http.StatusUnprocessableEntity, msg, fmt.Sprintf("body.lines[%d].product_id", i), ids[i])
}

func (s *server) activeWarehouses(shop *pb.Shop) []string {
	return orders.ActiveWarehouses(shop, func(id string) *pb.Warehouse {
		w, _, _ := lookup[*pb.Warehouse](s.Views.Warehouses, id)
		return w
	})
}

func requestHash(in *placeOrderInput) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", in.Body.ShopID)
	for _, l := range in.Body.Lines {
		fmt.Fprintf(h, "%s\t%d\n", l.ProductID, l.Quantity)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func decided(o *pb.Outcome) bool {
	return o.GetOrder().GetStatus() != pb.OrderStatus_ORDER_STATUS_PENDING
}

// orderResult answers with a decided order: 201 when reserved (or later
// paid), 409 problem+json naming the line when rejected.
func orderResult(o *pb.Order) (*orderOutput, error) {
	if o.GetStatus() == pb.OrderStatus_ORDER_STATUS_REJECTED && o.GetProblem() != nil {
		return nil, problemError(o.GetProblem())
	}
	status := http.StatusCreated
	if o.GetStatus() == pb.OrderStatus_ORDER_STATUS_PENDING {
		status = http.StatusAccepted
	}
	return &orderOutput{Status: status, Location: "/orders/" + o.GetId(), Body: orderBody(o)}, nil
}

type listOrdersInput struct {
	PageParams
}

type orderPage struct {
	Body Page[Order]
}

// listOrders pages through the caller's orders (every order for admins).
// It scans the orders view in id order, which is creation order for
// UUIDv7 ids; see docs/architecture.md for the cost of this scan.
func (s *server) listOrders(ctx context.Context, in *listOrdersInput) (*orderPage, error) {
	who := callerOf(ctx)
	p, err := page(s.Views.Orders, in.PageParams, func(st *pb.OrderState) (Order, bool) {
		o := st.GetOrder()
		return orderBody(o), o != nil && (who.Admin || o.GetUserId() == who.UserID)
	})
	return &orderPage{Body: p}, err
}

func (s *server) getOrder(ctx context.Context, in *orderIDInput) (*orderOutput, error) {
	o, err := s.ownOrder(ctx, string(in.OrderID))
	if err != nil {
		return nil, err
	}
	return &orderOutput{Status: http.StatusOK, Location: "/orders/" + o.GetId(), Body: orderBody(o)}, nil
}

func (s *server) payOrder(ctx context.Context, in *payOrderInput) (*orderOutput, error) {
	pay := &pb.PayOrder{}
	if in.Body != nil {
		pay.PaymentReference = in.Body.PaymentReference
	}
	return s.orderCommand(ctx, string(in.OrderID), &pb.OrderCommand{Kind: &pb.OrderCommand_Pay{Pay: pay}})
}

func (s *server) cancelOrder(ctx context.Context, in *cancelOrderInput) (*orderOutput, error) {
	reason := "cancelled by customer"
	if in.Body != nil && in.Body.Reason != "" {
		reason = in.Body.Reason
	}
	return s.orderCommand(ctx, string(in.OrderID), &pb.OrderCommand{Kind: &pb.OrderCommand_Cancel{Cancel: &pb.CancelOrder{Reason: reason}}})
}

// orderCommand sends pay or cancel for the caller's order and waits for the result.
func (s *server) orderCommand(ctx context.Context, orderID string, cmd *pb.OrderCommand) (*orderOutput, error) {
	if _, err := s.ownOrder(ctx, orderID); err != nil {
		return nil, err
	}
	cid := newID("", "")
	cmd.CommandId, cmd.OrderId, cmd.CorrelationId, cmd.IssuedAtUnixMs = cid, orderID, cid, nowMs()
	o, err := s.request(ctx, topics.OrderCommands, orderID, cid, cmd, nil)
	if err != nil {
		return nil, pendingAsAccepted(err, "/orders/"+orderID)
	}
	if o.GetOrder() == nil {
		return nil, unexpectedOutcome(o)
	}
	s.remember(o.GetOrder())
	return &orderOutput{Status: http.StatusOK, Location: "/orders/" + orderID, Body: orderBody(o.GetOrder())}, nil
}

// ownOrder reads an order the caller may see; others' orders are 404.
func (s *server) ownOrder(ctx context.Context, id string) (*pb.Order, error) {
	o, ok, err := s.order(id)
	if err != nil {
		return nil, err
	}
	who := callerOf(ctx)
	if !ok || (!who.Admin && o.GetUserId() != who.UserID) {
		return nil, notFound("order", id, "path.orderId")
	}
	return o, nil
}

// pendingOrder is what the API knows of an order it produced but that is
// not decided yet: version 0, so any stored version replaces it.
func pendingOrder(id string, p *pb.PlaceOrder) *pb.Order {
	o := &pb.Order{
		Id: id, UserId: p.GetUserId(), ShopId: p.GetShopId(), Status: pb.OrderStatus_ORDER_STATUS_PENDING,
		CreatedAtUnixMs: nowMs(), RequestHash: p.GetRequestHash(),
	}
	for _, l := range p.GetLines() {
		o.Lines = append(o.Lines, &pb.OrderLine{ProductId: l.GetProductId(), Quantity: l.GetQuantity(), UnitPriceMinor: l.GetUnitPriceMinor(), Currency: l.GetCurrency()})
	}
	return o
}

func orderBody(o *pb.Order) Order {
	out := Order{
		ID: o.GetId(), UserID: o.GetUserId(), ShopID: o.GetShopId(), Status: orders.StatusName(o.GetStatus()),
		Lines: []OrderLine{}, Allocations: []Allocation{}, AllocationsState: allocationsState(o.GetStatus()),
		CreatedAt: rfc3339(o.GetCreatedAtUnixMs()), UpdatedAt: rfc3339(o.GetUpdatedAtUnixMs()), ExpiresAt: rfc3339(o.GetExpiresAtUnixMs()),
		PaidAt: rfc3339(o.GetPaidAtUnixMs()), PaymentReference: o.GetPaymentReference(),
		CancelledAt: rfc3339(o.GetCancelledAtUnixMs()), CancelReason: o.GetCancelReason(),
	}
	for _, l := range o.GetLines() {
		out.Lines = append(out.Lines, OrderLine{ProductID: l.GetProductId(), Quantity: l.GetQuantity(), UnitPriceMinor: l.GetUnitPriceMinor(), Currency: l.GetCurrency()})
		for _, a := range l.GetAllocations() {
			out.Allocations = append(out.Allocations, Allocation{ProductID: l.GetProductId(), WarehouseID: a.GetWarehouseId(), Quantity: a.GetQuantity()})
		}
	}
	if p := o.GetProblem(); p != nil {
		out.Problem = &OrderProblem{Detail: p.GetDetail(), Field: p.GetField()}
	}
	return out
}

// allocationsState says whether an order in status still holds its
// allocations, committed them, or released them.
func allocationsState(status pb.OrderStatus) string {
	switch status {
	case pb.OrderStatus_ORDER_STATUS_PAID:
		return "committed"
	case pb.OrderStatus_ORDER_STATUS_CANCELLED, pb.OrderStatus_ORDER_STATUS_EXPIRED, pb.OrderStatus_ORDER_STATUS_REJECTED:
		return "released"
	}
	return "held"
}
