// Package stream holds what every goka processor of stockflow shares:
// typed callbacks that decode their input themselves, so that a message
// that cannot be decoded or applied is dead-lettered instead of stopping
// the partition, and the dead-letter output edge.
package stream
