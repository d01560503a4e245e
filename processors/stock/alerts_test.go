package stock_test

import (
	"testing"

	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func TestAlerts(t *testing.T) {
	t.Parallel()
	none := pb.StockAlertKind_STOCK_ALERT_KIND_UNSPECIFIED
	cases := []struct {
		name                     string
		before, after, threshold int64
		want                     pb.StockAlertKind
	}{
		{"selling_the_last_unit_is_out_of_stock", 1, 0, 5, pb.StockAlertKind_STOCK_ALERT_KIND_OUT_OF_STOCK},
		{"receiving_into_an_empty_level_is_back_in_stock", 0, 10, 5, pb.StockAlertKind_STOCK_ALERT_KIND_BACK_IN_STOCK},
		{"crossing_the_threshold_down_is_low_stock", 6, 5, 5, pb.StockAlertKind_STOCK_ALERT_KIND_LOW_STOCK},
		{"jumping_from_plenty_to_zero_is_out_of_stock", 50, 0, 5, pb.StockAlertKind_STOCK_ALERT_KIND_OUT_OF_STOCK},
		{"moving_within_low_stock_raises_nothing", 5, 3, 5, none},
		{"moving_above_the_threshold_raises_nothing", 20, 10, 5, none},
		{"rising_within_stock_raises_nothing", 3, 8, 5, none},
		{"zero_threshold_never_warns_before_zero", 2, 1, 0, none},
	}
	for _, c := range cases {
		got, ok := stock.Alert(c.before, c.after, c.threshold)
		if got != c.want || ok != (c.want != none) {
			t.Errorf("%s: Alert(%d, %d, %d) = %v, %v; want %v", c.name, c.before, c.after, c.threshold, got, ok, c.want)
		}
	}
}
