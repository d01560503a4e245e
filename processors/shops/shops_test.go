package shops_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/shops"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	t.Parallel()
	create := &pb.ShopCommand{ShopId: "s1", Kind: &pb.ShopCommand_Create{Create: &pb.CreateShop{Name: "main", WarehouseIds: []string{"w1"}}}}
	set := func(ws ...string) *pb.ShopCommand {
		return &pb.ShopCommand{ShopId: "s1", Kind: &pb.ShopCommand_SetWarehouses{SetWarehouses: &pb.SetShopWarehouses{WarehouseIds: ws}}}
	}
	existing := func() *pb.Shop { return &pb.Shop{Id: "s1", WarehouseIds: []string{"w1"}, Version: 1} }
	cases := []struct {
		name        string
		before      *pb.Shop
		cmd         *pb.ShopCommand
		err         error
		wantVersion int64
	}{
		{"a_new_shop_is_created", nil, create, nil, 1},
		{"a_repeated_create_changes_nothing", existing(), create, nil, 1},
		{"new_warehouses_bump_the_version", existing(), set("w2", "w1"), nil, 2},
		{"the_same_warehouses_change_nothing", existing(), set("w1"), nil, 1},
		{"an_unknown_shop_is_not_found", nil, set("w1"), shops.ErrUnknown, 0},
		{"a_command_without_kind_is_refused", nil, &pb.ShopCommand{ShopId: "s1"}, shops.ErrNoKind, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := shops.Apply(c.before, c.cmd, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && s.GetVersion() != c.wantVersion {
				t.Fatalf("shop %v, want version %d", s, c.wantVersion)
			}
		})
	}
}
