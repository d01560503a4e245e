package stock

import (
	"fmt"
	"strings"
)

// Key is the stock table key of a product in a warehouse.
func Key(productID, warehouseID string) string {
	return productID + "@" + warehouseID
}

// ProductPrefix is the first key of a product's levels in key order; with
// ProductPrefixEnd it bounds a range scan over every warehouse of a product.
func ProductPrefix(productID string) string { return productID + "@" }

// ProductPrefixEnd is the key just after a product's levels.
func ProductPrefixEnd(productID string) string { return productID + "A" } // 'A' follows '@'

// SplitKey parses a stock key.
func SplitKey(key string) (productID, warehouseID string, err error) {
	p, w, ok := strings.Cut(key, "@")
	if !ok || p == "" || w == "" || strings.Contains(w, "@") {
		return "", "", fmt.Errorf("stock key %q is not <product>@<warehouse>", key)
	}
	return p, w, nil
}
