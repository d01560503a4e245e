package skus_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/skus"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func claimSku(productID, sku string) *pb.CatalogCommand {
	return &pb.CatalogCommand{ProductId: productID, CorrelationId: productID, Kind: &pb.CatalogCommand_Create{Create: &pb.CreateProduct{Sku: sku, Name: "Tee", PriceMinor: 100}}}
}

func TestPoisonSkuCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.SkuCommands
	poison := func(name, key string, cmd *pb.CatalogCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	sku := func(i int) string { return "GOOD-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.SkusGroup, Graph: skus.Graph(), Table: topics.SkusTable,
		Outputs: []goka.Stream{topics.Outcomes, topics.CatalogCommands},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "TEE", Value: []byte{0xff, 0x00}},
			poison("a_command_without_kind", "TEE", &pb.CatalogCommand{ProductId: "p1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: in, Key: "TEE", Value: gokatest.WithUnknownField(gokatest.Encode(&pb.CatalogCommand{ProductId: "p1"}), 99)},
			poison("a_claim_for_no_product", "TEE", claimSku("", "TEE")),
			poison("a_claim_on_another_skus_key", "TEE", claimSku("p1", "SHIRT")),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, sku(i), claimSku("p-"+strconv.Itoa(i), sku(i)))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if c, _ := gkt.TableValue(topics.SkusTable, sku(i)).(*pb.SkuClaim); c.GetProductId() != "p-"+strconv.Itoa(i) {
				t.Errorf("the next command was not applied: %v", c)
			}
		},
	}.Run(t)
}
