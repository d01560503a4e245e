package idempotency_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/idempotency"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func TestPoisonKeyCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.IdempotencyCommands
	poison := func(name, key string, cmd *pb.KeyCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	key := func(i int) string { return "orders/good-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.IdempotencyGroup, Graph: idempotency.Graph(), Table: topics.IdempotencyTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "orders/k1", Value: []byte{0x1a, 0x80}},
			poison("a_claim_without_a_request_hash", "orders/k1", &pb.KeyCommand{Key: "orders/k1", CorrelationId: "c1"}),
			poison("a_claim_without_a_key", "orders/k1", &pb.KeyCommand{RequestHash: "h1", CorrelationId: "c1"}),
			poison("a_claim_on_another_keys_key", "orders/k1", &pb.KeyCommand{Key: "orders/k2", RequestHash: "h1"}),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, key(i), &pb.KeyCommand{Key: key(i), RequestHash: "h"})
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if c, _ := gkt.TableValue(topics.IdempotencyTable, key(i)).(*pb.KeyClaim); c.GetRequestHash() != "h" {
				t.Errorf("the next command was not applied: %v", c)
			}
		},
	}.Run(t)
}
