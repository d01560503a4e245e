package api

import (
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Reasons a drain deactivation is refused (drainRefusal.Reason).
const (
	reasonOpenReservations = "open_reservations"
	reasonOpenTransfers    = "open_transfers"
)

// drainRefusal is the 409 problem+json refusing a "drain" deactivation
// while work is open in the warehouse. reason is machine-readable; the
// counts say how much is open.
type drainRefusal struct {
	huma.ErrorModel
	Reason           string `json:"reason" enum:"open_reservations,open_transfers"`
	OpenReservations int64  `json:"open_reservations" doc:"Units reserved in the warehouse for unsettled orders."`
	OpenTransfers    int    `json:"open_transfers" doc:"Transfers out of or into the warehouse still requested, and transfers in transit to it."`
}

// checkDrained refuses while stock is reserved in the warehouse or a
// transfer out of or into it is still requested. It reads the views: a
// reservation placed a moment before may not be seen (see
// docs/architecture.md, "Deactivating a warehouse").
func (s *server) checkDrained(warehouseID string) error {
	reserved, err := s.reservedIn(warehouseID)
	if err != nil {
		return err
	}
	open, err := s.openTransfers(warehouseID)
	if err != nil {
		return err
	}
	if reserved == 0 && open == 0 {
		return nil
	}
	reason := reasonOpenReservations
	if reserved == 0 {
		reason = reasonOpenTransfers
	}
	msg := fmt.Sprintf("warehouse %s still has %d units reserved and %d transfers open; deactivate without mode drain to stop new orders now, then drain", warehouseID, reserved, open)
	return &drainRefusal{
		ErrorModel: huma.ErrorModel{
			Title: http.StatusText(http.StatusConflict), Status: http.StatusConflict, Detail: msg,
			Errors: []*huma.ErrorDetail{{Message: msg, Location: "body.mode", Value: "drain"}},
		},
		Reason: reason, OpenReservations: reserved, OpenTransfers: open,
	}
}

// reservedIn sums reserved stock over the warehouse's levels (a scan of
// the stock view: levels are keyed product first).
func (s *server) reservedIn(warehouseID string) (int64, error) {
	var sum int64
	err := scan(s.Views.Stock, func(l *pb.StockLevel) {
		if l.GetWarehouseId() == warehouseID {
			sum += l.GetReserved()
		}
	})
	return sum, err
}

// openTransfers counts transfers still requested out of or into the
// warehouse, and those in transit to it.
func (s *server) openTransfers(warehouseID string) (int, error) {
	n := 0
	err := scan(s.Views.Transfers, func(st *pb.TransferState) {
		t := st.GetTransfer()
		from, to := t.GetFromWarehouseId() == warehouseID, t.GetToWarehouseId() == warehouseID
		switch t.GetStatus() {
		case pb.TransferStatus_TRANSFER_STATUS_REQUESTED:
			if from || to {
				n++
			}
		case pb.TransferStatus_TRANSFER_STATUS_IN_TRANSIT:
			if to {
				n++
			}
		}
	})
	return n, err
}

// scan calls fn for every value of t that is a PT.
func scan[PT any](t Table, fn func(PT)) error {
	it, err := t.IteratorWithRange("", keysEnd)
	if err != nil {
		return huma.Error503ServiceUnavailable("table scan failed", err)
	}
	defer it.Release()
	for it.Next() {
		raw, err := it.Value()
		if err != nil {
			return huma.Error503ServiceUnavailable("table scan failed", err)
		}
		if v, ok := raw.(PT); ok {
			fn(v)
		}
	}
	return nil
}
