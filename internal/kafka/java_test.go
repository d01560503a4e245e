package kafka_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/stockflow/stockflow/internal/kafka"
)

// TestJavaAdminClientDescribesTopicsOfTheEmbeddedBroker runs Apache
// Kafka's Java admin client (describeTopics, what kafka-topics.sh
// --describe calls) against the embedded broker. It needs java and
// STOCKFLOW_KAFKA_CLIENTS_CP, a classpath holding kafka-clients and
// slf4j-api (e.g. from ~/.m2); without them it is skipped.
func TestJavaAdminClientDescribesTopicsOfTheEmbeddedBroker(t *testing.T) {
	cp := os.Getenv("STOCKFLOW_KAFKA_CLIENTS_CP")
	if _, err := exec.LookPath("java"); err != nil || cp == "" {
		t.Skip("needs java and STOCKFLOW_KAFKA_CLIENTS_CP (kafka-clients and slf4j-api jars)")
	}
	e, cl := kafka.BrokerWithClient(t)
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 3, 1, nil, "described"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("java", "-cp", cp, "testdata/Describe.java", e.Addrs()[0]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "partitions=3") {
		t.Fatalf("java describeTopics: %v\n%s", err, out)
	}
}
