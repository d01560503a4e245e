package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Warehouse is a warehouse as the API shows it.
type Warehouse struct {
	ID        string `json:"id" example:"0193a5b2-7c1e-7d3a-9f2b-4c5d6e7f8a9b"`
	Name      string `json:"name" example:"Jakarta North"`
	Status    string `json:"status" enum:"active,inactive" doc:"Inactive warehouses keep their stock but do not serve new orders."`
	CreatedAt string `json:"created_at" format:"date-time"`
	UpdatedAt string `json:"updated_at" format:"date-time"`
}

type createWarehouseInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes a retry return the first attempt's result; reused with another body, 422."`
	Body           struct {
		Name string `json:"name" minLength:"1" maxLength:"200" example:"Jakarta North"`
	}
}

type warehouseOutput struct {
	Location string `header:"Location"`
	Body     Warehouse
}

type warehouseIDInput struct {
	WarehouseID ID `path:"warehouseId"`
}

type setWarehouseStatusInput struct {
	WarehouseID ID `path:"warehouseId"`
	Body        struct {
		Status string `json:"status" enum:"active,inactive"`
		Mode   string `json:"mode,omitempty" enum:"immediate,drain" default:"immediate" doc:"For inactive: immediate (the default) deactivates at once, leaving reservations and transfers to finish; drain refuses (409, with a machine-readable reason) while units are reserved or transfers are open there."`
	}
}

type listWarehousesInput struct {
	PageParams
}

type warehousePage struct {
	Body Page[Warehouse]
}

func (s *server) registerWarehouses(api huma.API) {
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "create-warehouse", Method: http.MethodPost, Path: "/warehouses",
		Summary: "Create a warehouse", Tags: []string{"Warehouses"}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: smallBody,
	})), s.createWarehouse)
	huma.Register(api, adminOnly(huma.Operation{
		OperationID: "list-warehouses", Method: http.MethodGet, Path: "/warehouses",
		Summary: "List warehouses with their status", Tags: []string{"Warehouses"},
	}), s.listWarehouses)
	huma.Register(api, adminOnly(huma.Operation{
		OperationID: "get-warehouse", Method: http.MethodGet, Path: "/warehouses/{warehouseId}",
		Summary: "Get a warehouse", Tags: []string{"Warehouses"},
	}), s.getWarehouse)
	huma.Register(api, adminOnly(command(huma.Operation{
		OperationID: "set-warehouse-status", Method: http.MethodPatch, Path: "/warehouses/{warehouseId}/status",
		Summary: "Activate or deactivate a warehouse", Tags: []string{"Warehouses"}, MaxBodyBytes: smallBody,
		Description: "Deactivating stops new orders from reserving there as soon as it is answered; existing reservations still commit, " +
			"release and expire; transfers out are allowed and transfers in refused. Reactivating offers its stock again at once.",
		Errors: []int{http.StatusConflict, http.StatusNotFound, http.StatusUnprocessableEntity},
	})), s.setWarehouseStatus)
}

func (s *server) createWarehouse(ctx context.Context, in *createWarehouseInput) (*warehouseOutput, error) {
	name := strings.TrimSpace(in.Body.Name)
	if err := s.claimKey(ctx, "create-warehouse", in.IdempotencyKey, name); err != nil {
		return nil, err
	}
	id := newID("create-warehouse", in.IdempotencyKey)
	cmd := &pb.WarehouseCommand{
		CommandId: id, WarehouseId: id, CorrelationId: id, IssuedAtUnixMs: nowMs(),
		Kind: &pb.WarehouseCommand_Create{Create: &pb.CreateWarehouse{Name: name}},
	}
	return s.applyWarehouse(ctx, id, id, cmd)
}

func (s *server) listWarehouses(_ context.Context, in *listWarehousesInput) (*warehousePage, error) {
	p, err := page(s.Views.Warehouses, in.PageParams, func(w *pb.Warehouse) (Warehouse, bool) {
		return warehouseBody(w), true
	})
	return &warehousePage{Body: p}, err
}

func (s *server) getWarehouse(_ context.Context, in *warehouseIDInput) (*warehouseOutput, error) {
	w, err := s.warehouse(string(in.WarehouseID), "path.warehouseId")
	if err != nil {
		return nil, err
	}
	return &warehouseOutput{Location: "/warehouses/" + w.GetId(), Body: warehouseBody(w)}, nil
}

func (s *server) setWarehouseStatus(ctx context.Context, in *setWarehouseStatusInput) (*warehouseOutput, error) {
	id := string(in.WarehouseID)
	if _, err := s.warehouse(id, "path.warehouseId"); err != nil {
		return nil, err
	}
	status := pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE
	if in.Body.Status == "inactive" {
		status = pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE
		if in.Body.Mode == "drain" {
			if err := s.checkDrained(id); err != nil {
				return nil, err
			}
		}
	}
	cid := newID("", "")
	cmd := &pb.WarehouseCommand{
		CommandId: cid, WarehouseId: id, CorrelationId: cid, IssuedAtUnixMs: nowMs(),
		Kind: &pb.WarehouseCommand_SetStatus{SetStatus: &pb.SetWarehouseStatus{Status: status}},
	}
	return s.applyWarehouse(ctx, id, cid, cmd)
}

// applyWarehouse sends a command for warehouse id and answers with the
// warehouse it made.
func (s *server) applyWarehouse(ctx context.Context, id, correlationID string, cmd *pb.WarehouseCommand) (*warehouseOutput, error) {
	w, err := apply(ctx, s, write{
		topic: topics.WarehouseCommands, key: id, correlationID: correlationID, cmd: cmd,
		view: s.Views.Warehouses, viewKey: id, location: "/warehouses/" + id,
	}, (*pb.Outcome).GetWarehouse)
	if err != nil {
		return nil, err
	}
	return &warehouseOutput{Location: "/warehouses/" + id, Body: warehouseBody(w)}, nil
}

// warehouse reads a warehouse that a request references at location.
func (s *server) warehouse(id, location string) (*pb.Warehouse, error) {
	return find[*pb.Warehouse](s.Views.Warehouses, "warehouse", id, location)
}

func warehouseBody(w *pb.Warehouse) Warehouse {
	return Warehouse{
		ID: w.GetId(), Name: w.GetName(), Status: warehouseStatus(w.GetStatus()),
		CreatedAt: rfc3339(w.GetCreatedAtUnixMs()), UpdatedAt: rfc3339(w.GetUpdatedAtUnixMs()),
	}
}

func warehouseStatus(s pb.WarehouseStatus) string {
	if s == pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE {
		return "inactive"
	}
	return "active"
}
