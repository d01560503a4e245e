package shops_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/shops"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func createShop(id, name string) *pb.ShopCommand {
	return &pb.ShopCommand{ShopId: id, CorrelationId: id, Kind: &pb.ShopCommand_Create{Create: &pb.CreateShop{Name: name, WarehouseIds: []string{"w1"}}}}
}

func setWarehouses(id string, ws ...string) *pb.ShopCommand {
	return &pb.ShopCommand{ShopId: id, CorrelationId: id, Kind: &pb.ShopCommand_SetWarehouses{SetWarehouses: &pb.SetShopWarehouses{WarehouseIds: ws}}}
}

func TestPoisonShopCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.ShopCommands
	poison := func(name, key string, cmd *pb.ShopCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	goodID := func(i int) string { return "good-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.ShopsGroup, Graph: shops.Graph(), Table: topics.ShopsTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Setup: func(t *testing.T, gkt *tester.Tester) {
			gokatest.Send(t, gkt, in, "s1", createShop("s1", "main"))
		},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "s1", Value: []byte("\x0a\xff\xff\xff\xff")},
			poison("a_command_without_kind", "s1", &pb.ShopCommand{ShopId: "s1", CorrelationId: "c1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: in, Key: "s1", Value: gokatest.WithUnknownField(gokatest.Encode(&pb.ShopCommand{ShopId: "s1"}), 99)},
			poison("a_create_without_a_name", "s2", createShop("s2", "")),
			poison("new_warehouses_for_an_unknown_shop", "s9", setWarehouses("s9", "w1")),
			poison("a_command_on_another_shops_key", "s1", setWarehouses("s2", "w1")),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, goodID(i), createShop(goodID(i), "good"))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if s, _ := gkt.TableValue(topics.ShopsTable, goodID(i)).(*pb.Shop); s.GetName() != "good" {
				t.Errorf("the next command was not applied: %v", s)
			}
		},
	}.Run(t)
}
