package warehouses_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/warehouses"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func TestPoisonWarehouseCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.WarehouseCommands
	poison := func(name, key string, cmd *pb.WarehouseCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	goodID := func(i int) string { return "good-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.WarehousesGroup, Graph: warehouses.Graph(), Table: topics.WarehousesTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, in, "w1", create("w1", "north"))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "w1", Value: []byte{0xff, 0xff, 0xff}},
			poison("a_command_without_kind", "w1", &pb.WarehouseCommand{WarehouseId: "w1", CorrelationId: "c1"}),
			poison("an_unknown_status_value", "w1", setStatus("w1", pb.WarehouseStatus(99))),
			poison("an_unspecified_status", "w1", setStatus("w1", pb.WarehouseStatus_WAREHOUSE_STATUS_UNSPECIFIED)),
			poison("a_create_without_a_name", "w2", create("w2", "")),
			poison("a_status_change_for_an_unknown_warehouse", "w9", setStatus("w9", pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE)),
			poison("a_command_on_another_warehouses_key", "w1", setStatus("w2", pb.WarehouseStatus_WAREHOUSE_STATUS_INACTIVE)),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, goodID(i), create(goodID(i), "good"))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if w, _ := gkt.TableValue(topics.WarehousesTable, goodID(i)).(*pb.Warehouse); w.GetName() != "good" {
				t.Errorf("the next command was not applied: %v", w)
			}
		},
	}.Run(t)
}
