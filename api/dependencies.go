package api

import "time"

// Dependencies is what the API can know about the parts it depends on, as
// its last health probe saw them. /readyz serves it as "dependencies".
type Dependencies struct {
	Kafka  KafkaStatus   `json:"kafka"`
	Groups []GroupStatus `json:"groups" doc:"The processors' consumer groups the API sends commands to."`
}

// KafkaStatus says whether the last probe reached the brokers.
type KafkaStatus struct {
	Reachable bool      `json:"reachable"`
	CheckedAt time.Time `json:"checked_at,omitzero" doc:"When the probe last ran (zero before the first)."`
	Error     string    `json:"error,omitempty" doc:"Why the last probe failed."`
	// Unready is set once Kafka has been unreachable long enough for the
	// API to stop taking traffic (a single failed probe does not count).
	Unready bool `json:"unready,omitempty" doc:"Kafka has been unreachable for several probes in a row: /readyz answers 503."`
}

// GroupStatus is one consumer group's membership and lag.
type GroupStatus struct {
	Group   string `json:"group" example:"orders"`
	State   string `json:"state" example:"Stable" doc:"Kafka's group state (Stable, PreparingRebalance, CompletingRebalance, Empty, Dead)."`
	Members int    `json:"members" doc:"Processor instances in the group; 0 means nobody processes its commands."`
	Lag     int64  `json:"lag" doc:"Messages the group has yet to process, summed over its input partitions."`
	Error   string `json:"error,omitempty"`
}

// Degraded reports whether a dependency is missing while the API still
// serves: Kafka unreachable, or a group without members.
func (d *Dependencies) Degraded() bool {
	if d == nil {
		return false
	}
	if !d.Kafka.Reachable {
		return true
	}
	for _, g := range d.Groups {
		if g.Members == 0 || g.Error != "" {
			return true
		}
	}
	return false
}
