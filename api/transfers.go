package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stockflow/stockflow/processors/transfers"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Transfer is a transfer of stock between two warehouses as the API shows it.
type Transfer struct {
	ID              string        `json:"id"`
	ProductID       string        `json:"product_id"`
	FromWarehouseID string        `json:"from_warehouse_id"`
	ToWarehouseID   string        `json:"to_warehouse_id"`
	Quantity        int64         `json:"quantity"`
	Reason          string        `json:"reason,omitempty"`
	Reference       string        `json:"reference,omitempty"`
	InTransit       bool          `json:"in_transit,omitempty" doc:"Shipped in transit: the destination is credited on POST /transfers/{id}/receive."`
	Status          string        `json:"status" enum:"requested,in_transit,completed,rejected" doc:"requested until the source is debited and the destination credited (completed), or the debit is refused (rejected); in_transit between the debit and the receipt of a transfer shipped in transit."`
	Problem         *OrderProblem `json:"problem,omitempty" doc:"Why the transfer was rejected."`
	CreatedAt       string        `json:"created_at" format:"date-time"`
	UpdatedAt       string        `json:"updated_at,omitempty" format:"date-time"`
	DebitedAt       string        `json:"debited_at,omitempty" format:"date-time" doc:"When the source warehouse was debited."`
	ReceivedAt      string        `json:"received_at,omitempty" format:"date-time" doc:"When the goods of an in-transit transfer were received."`
	CompletedAt     string        `json:"completed_at,omitempty" format:"date-time" doc:"When the destination warehouse was credited."`
}

type transferBody struct {
	ProductID       ID     `json:"product_id"`
	FromWarehouseID ID     `json:"from_warehouse_id"`
	ToWarehouseID   ID     `json:"to_warehouse_id"`
	Quantity        int64  `json:"quantity" minimum:"1" maximum:"1000000000"`
	Reason          string `json:"reason,omitempty" maxLength:"500" example:"rebalance before the sale"`
	Reference       string `json:"reference,omitempty" maxLength:"200" example:"TR-2026-0042"`
	InTransit       bool   `json:"in_transit,omitempty" doc:"Ship in transit: debit the source now, credit the destination only on POST /transfers/{id}/receive; meanwhile the stock is in no warehouse. Default false: credit at once."`
}

type createTransferInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's transfer."`
	Body           transferBody
}

type transferOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     Transfer
}

type transferIDInput struct {
	TransferID ID `path:"transferId"`
}

type listTransfersInput struct {
	PageParams
	ProductID   ID     `query:"product_id" doc:"Only transfers of this product."`
	WarehouseID ID     `query:"warehouse_id" doc:"Only transfers out of or into this warehouse."`
	Status      string `query:"status" enum:"requested,in_transit,completed,rejected" doc:"Only transfers in this status."`
}

type transferPage struct {
	Body Page[Transfer]
}

func (s *server) registerTransfers(api huma.API) {
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "create-transfer", Method: http.MethodPost, Path: "/warehouses/transfer",
		Summary: "Move stock of a product from one warehouse to another", Tags: []string{"Transfers"}, DefaultStatus: http.StatusCreated,
		Description: "Debits the source warehouse's available stock (never reserved stock), then credits the destination. " +
			"Answers 201 with the completed transfer, 409 naming quantity (with the available quantity) when the source cannot give it " +
			"or naming to_warehouse_id when the destination is inactive, or 202 with a Location to poll when the outcome takes longer than the wait timeout.",
		MaxBodyBytes: smallBody, Errors: []int{http.StatusConflict, http.StatusNotFound, http.StatusUnprocessableEntity},
	})), s.createTransfer)
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "receive-transfer", Method: http.MethodPost, Path: "/transfers/{transferId}/receive",
		Summary: "Receive an in-transit transfer's goods, crediting the destination", Tags: []string{"Transfers"},
		Description: "Answers 200 with the completed transfer (also when it already was), 409 when it is not in transit (still requested, or rejected), " +
			"or 202 with a Location to poll. The destination is credited even if it was deactivated meanwhile: the goods are there.",
		Errors: []int{http.StatusConflict, http.StatusNotFound},
	})), s.receiveTransfer)
	huma.Register(api, adminOnly(huma.Operation{
		OperationID: "list-transfers", Method: http.MethodGet, Path: "/transfers",
		Summary: "List transfers, optionally by product, warehouse and status", Tags: []string{"Transfers"},
	}), s.listTransfers)
	huma.Register(api, adminOnly(huma.Operation{
		OperationID: "get-transfer", Method: http.MethodGet, Path: "/transfers/{transferId}",
		Summary: "Get a transfer", Tags: []string{"Transfers"},
	}), s.getTransfer)
}

func (s *server) createTransfer(ctx context.Context, in *createTransferInput) (*transferOutput, error) {
	req, err := s.resolveTransfer(in)
	if err != nil {
		return nil, err
	}
	id := newID("transfer", in.IdempotencyKey)
	if earlier, ok, err := madeBefore(s.transfer, id, req.GetRequestHash(), in.IdempotencyKey); err != nil {
		return nil, err
	} else if ok {
		return transferResult(earlier)
	}
	cmd := &pb.TransferCommand{
		CommandId: id, TransferId: id, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.TransferCommand_Request{Request: req},
	}
	o, err := s.request(ctx, topics.TransferCommands, id, id, cmd, transferDecided)
	if err == errPending {
		return &transferOutput{Status: http.StatusAccepted, Location: "/transfers/" + id, Body: pendingTransfer(id, req)}, nil
	}
	if err != nil {
		return nil, err
	}
	t := o.GetTransfer()
	if t == nil {
		return nil, unexpectedOutcome(o)
	}
	if t.GetRequestHash() != req.GetRequestHash() {
		// A concurrent first attempt with this key asked for another transfer.
		return nil, keyReused(in.IdempotencyKey)
	}
	s.awaitVersion(ctx, s.Views.Transfers, id, t.GetVersion())
	return transferResult(t)
}

// resolveTransfer checks the request against the views and builds the command.
func (s *server) resolveTransfer(in *createTransferInput) (*pb.RequestTransfer, error) {
	b := in.Body
	if b.FromWarehouseID == b.ToWarehouseID {
		return nil, fieldError(http.StatusUnprocessableEntity, "to_warehouse_id must differ from from_warehouse_id", "body.to_warehouse_id", b.ToWarehouseID)
	}
	if _, err := s.product(string(b.ProductID), "body.product_id"); err != nil {
		return nil, err
	}
	if _, err := s.warehouse(string(b.FromWarehouseID), "body.from_warehouse_id"); err != nil {
		return nil, err
	}
	to, err := s.warehouse(string(b.ToWarehouseID), "body.to_warehouse_id")
	if err != nil {
		return nil, err
	}
	if to.GetStatus() == pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE {
		msg := fmt.Sprintf("warehouse %s is inactive: transfers into an inactive warehouse are refused", to.GetId())
		return nil, fieldError(http.StatusConflict, msg, "body.to_warehouse_id", to.GetId())
	}
	return &pb.RequestTransfer{
		ProductId: string(b.ProductID), FromWarehouseId: string(b.FromWarehouseID), ToWarehouseId: string(b.ToWarehouseID), Quantity: b.Quantity,
		Reason: strings.TrimSpace(b.Reason), Reference: b.Reference, RequestHash: transferHash(b), InTransit: b.InTransit,
	}, nil
}

func transferHash(b transferBody) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%d\n%s\n%s\n%t\n", b.ProductID, b.FromWarehouseID, b.ToWarehouseID, b.Quantity, strings.TrimSpace(b.Reason), b.Reference, b.InTransit)
	return hex.EncodeToString(h.Sum(nil))
}

func transferDecided(o *pb.Outcome) bool {
	return o.GetTransfer().GetStatus() != pb.TransferStatus_TRANSFER_STATUS_REQUESTED
}

// transferResult answers with a transfer: 201 when completed or in
// transit, 202 while requested, problem+json (409 or 404) when rejected.
func transferResult(t *pb.Transfer) (*transferOutput, error) {
	if t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_REJECTED && t.GetProblem() != nil {
		return nil, problemError(t.GetProblem())
	}
	status := http.StatusCreated
	if t.GetStatus() == pb.TransferStatus_TRANSFER_STATUS_REQUESTED {
		status = http.StatusAccepted
	}
	return &transferOutput{Status: status, Location: "/transfers/" + t.GetId(), Body: transferJSON(t)}, nil
}

// transfer reads a transfer from the view.
func (s *server) transfer(id string) (*pb.Transfer, bool, error) {
	st, ok, err := lookup[*pb.TransferState](s.Views.Transfers, id)
	return st.GetTransfer(), ok, err
}

// existingTransfer reads the transfer a path names, or a 404.
func (s *server) existingTransfer(id string) (*pb.Transfer, error) {
	st, err := find[*pb.TransferState](s.Views.Transfers, "transfer", id, "path.transferId")
	return st.GetTransfer(), err
}

func pendingTransfer(id string, r *pb.RequestTransfer) Transfer {
	return transferJSON(&pb.Transfer{
		Id: id, ProductId: r.GetProductId(), FromWarehouseId: r.GetFromWarehouseId(), ToWarehouseId: r.GetToWarehouseId(),
		Quantity: r.GetQuantity(), Reason: r.GetReason(), Reference: r.GetReference(),
		Status: pb.TransferStatus_TRANSFER_STATUS_REQUESTED, CreatedAtUnixMs: nowMs(),
	})
}

func transferJSON(t *pb.Transfer) Transfer {
	out := Transfer{
		ID: t.GetId(), ProductID: t.GetProductId(), FromWarehouseID: t.GetFromWarehouseId(), ToWarehouseID: t.GetToWarehouseId(),
		Quantity: t.GetQuantity(), Reason: t.GetReason(), Reference: t.GetReference(), Status: transfers.StatusName(t.GetStatus()),
		CreatedAt: rfc3339(t.GetCreatedAtUnixMs()), UpdatedAt: rfc3339(t.GetUpdatedAtUnixMs()),
		DebitedAt: rfc3339(t.GetDebitedAtUnixMs()), ReceivedAt: rfc3339(t.GetReceivedAtUnixMs()), CompletedAt: rfc3339(t.GetCompletedAtUnixMs()),
		InTransit: t.GetInTransit(),
	}
	if p := t.GetProblem(); p != nil {
		out.Problem = &OrderProblem{Detail: p.GetDetail(), Field: p.GetField()}
	}
	return out
}
