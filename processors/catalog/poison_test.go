package catalog_test

import (
	"strconv"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/stockflow/stockflow/internal/gokatest"
	"github.com/stockflow/stockflow/processors/catalog"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

func createProduct(id, sku, name string, price int64) *pb.CatalogCommand {
	return &pb.CatalogCommand{ProductId: id, CorrelationId: id, Kind: &pb.CatalogCommand_Create{Create: &pb.CreateProduct{Sku: sku, Name: name, PriceMinor: price, Currency: "IDR"}}}
}

func TestPoisonCatalogCommandsAreDeadLetteredAndTheNextIsApplied(t *testing.T) {
	in := topics.CatalogCommands
	poison := func(name, key string, cmd *pb.CatalogCommand) gokatest.Poison {
		return gokatest.Poison{Name: name, Topic: in, Key: key, Value: gokatest.Encode(cmd)}
	}
	goodID := func(i int) string { return "good-" + strconv.Itoa(i) }
	gokatest.PoisonSuite{
		Group: topics.CatalogGroup, Graph: catalog.Graph(), Table: topics.CatalogTable,
		Outputs: []goka.Stream{topics.Outcomes},
		Cases: []gokatest.Poison{
			{Name: "undecodable_bytes", Topic: in, Key: "p1", Value: []byte{0xff}},
			poison("a_command_without_kind", "p1", &pb.CatalogCommand{ProductId: "p1", CorrelationId: "c1"}),
			{Name: "a_kind_this_version_does_not_know", Topic: in, Key: "p1", Value: gokatest.WithUnknownField(gokatest.Encode(&pb.CatalogCommand{ProductId: "p1"}), 99)},
			poison("a_create_without_a_sku", "p1", createProduct("p1", "", "Tee", 100)),
			poison("a_create_without_a_name", "p1", createProduct("p1", "TEE", "", 100)),
			poison("a_negative_price", "p1", createProduct("p1", "TEE", "Tee", -1)),
			poison("a_command_on_another_products_key", "p1", createProduct("p2", "TEE", "Tee", 100)),
		},
		Good: func(t *testing.T, gkt *tester.Tester, i int) {
			gokatest.Send(t, gkt, in, goodID(i), createProduct(goodID(i), "SKU-"+goodID(i), "good", 100))
		},
		Applied: func(t *testing.T, gkt *tester.Tester, i int) {
			if p, _ := gkt.TableValue(topics.CatalogTable, goodID(i)).(*pb.Product); p.GetName() != "good" {
				t.Errorf("the next command was not applied: %v", p)
			}
		},
	}.Run(t)
}
