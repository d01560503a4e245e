package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Older exposes older to the tests of package kafka_test.
var Older = older

// BrokerWithClient exposes brokerWithClient to the tests of package kafka_test.
var BrokerWithClient = brokerWithClient

// brokerWithClient starts the embedded broker and a franz-go client of it
// (with opts); both close when t ends.
func brokerWithClient(t *testing.T, opts ...kgo.Opt) (*Embedded, *kgo.Client) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(e.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return e, cl
}
