package warehouses_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/warehouses"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func create(id, name string) *pb.WarehouseCommand {
	return &pb.WarehouseCommand{WarehouseId: id, Kind: &pb.WarehouseCommand_Create{Create: &pb.CreateWarehouse{Name: name}}}
}

func setStatus(id string, st pb.WarehouseStatus) *pb.WarehouseCommand {
	return &pb.WarehouseCommand{WarehouseId: id, Kind: &pb.WarehouseCommand_SetStatus{SetStatus: &pb.SetWarehouseStatus{Status: st}}}
}

func TestApply(t *testing.T) {
	t.Parallel()
	existing := &pb.Warehouse{Id: "w1", Name: "north", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, Version: 1}
	cases := []struct {
		name        string
		before      *pb.Warehouse
		cmd         *pb.WarehouseCommand
		err         error
		wantStatus  pb.WarehouseStatus
		wantVersion int64
	}{
		{"a_new_warehouse_starts_active", nil, create("w1", "north"), nil, pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, 1},
		{"a_repeated_create_changes_nothing", existing, create("w1", "other"), nil, pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, 1},
		{"deactivating_bumps_the_version", existing, setStatus("w1", pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE), nil, pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE, 2},
		{"setting_the_same_status_changes_nothing", existing, setStatus("w1", pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE), nil, pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, 1},
		{"an_unknown_warehouse_is_not_found", nil, setStatus("w9", pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE), warehouses.ErrUnknown, 0, 0},
		{"a_command_without_kind_is_refused", nil, &pb.WarehouseCommand{WarehouseId: "w1"}, warehouses.ErrNoKind, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var before *pb.Warehouse
			if c.before != nil {
				before = &pb.Warehouse{Id: c.before.Id, Name: c.before.Name, Status: c.before.Status, Version: c.before.Version}
			}
			w, err := warehouses.Apply(before, c.cmd, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && (w.GetStatus() != c.wantStatus || w.GetVersion() != c.wantVersion) {
				t.Fatalf("warehouse %v, want status %v version %d", w, c.wantStatus, c.wantVersion)
			}
		})
	}
}
