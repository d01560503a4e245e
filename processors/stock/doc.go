// Package stock is the stock processor: the goka group keyed by
// "<product_id>@<warehouse_id>" that owns every stock level. One key's
// commands are applied one at a time, in order, so reservations on a key
// are serialized and never oversell.
//
// rules.go holds the pure rules (reserve, release, commit, adjust) and
// transfer.go the transfer legs (debit from available, credit to on_hand);
// processor.go decodes commands, applies a rule, stores the level and emits
// the reply, the movement and the outcome (transfer_reply.go for the legs,
// answered on transfer-replies).
package stock
