package orders

import (
	"strings"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// StatusName is the API spelling of a status: "pending", "reserved", ...
func StatusName(s pb.OrderStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "ORDER_STATUS_"))
}
