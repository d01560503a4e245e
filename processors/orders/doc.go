// Package orders is the order saga: the goka group keyed by order id. It
// sends a reservation per line to the stock processor, walks a line through
// its candidate warehouses until it is fully held, rejects the order and
// releases what was held when a line cannot be, and commits or releases the
// holds on payment, cancellation or expiry.
//
// saga.go holds the pure transitions (state in, effects out);
// processor.go wires them to goka.
package orders
