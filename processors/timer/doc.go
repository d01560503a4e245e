// Package timer holds reservation deadlines durably in Kafka and sends
// ExpireOrder when one passes.
//
// The timer group's table is keyed by order id: scheduling a deadline is
// one small write (a TimerDeadline), and a fired or cancelled deadline is
// deleted (timer.go). A Scheduler runs beside the processor (scheduler.go):
// it follows the table through a goka view into an in-memory min-heap
// (heap.go), wakes a few times a second, and for every deadline due sends
// ExpireOrder to the order saga; 10 s later it sends it again, with
// FiredExpiry back to the timer to delete the deadline. Nothing
// but the table is needed to resume: a scheduler that starts after an
// outage of any length fires everything already due at its first wake-up.
package timer
