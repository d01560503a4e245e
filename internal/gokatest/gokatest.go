// Package gokatest runs a goka processor in memory with goka's tester for
// fast unit tests, with helpers to feed protobuf messages and read outputs.
package gokatest

import (
	"context"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"google.golang.org/protobuf/proto"
)

// Start runs graph on a fresh tester until the test ends.
func Start(t *testing.T, graph *goka.GroupGraph) *tester.Tester {
	t.Helper()
	gkt := tester.New(t)
	p, err := goka.NewProcessor(nil, graph, goka.WithTester(gkt))
	if err != nil {
		t.Fatalf("new processor: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor stopped with error: %v", err)
		}
	})
	return gkt
}

// Send feeds msg, encoded, to an input whose codec takes raw bytes.
func Send(t *testing.T, gkt *tester.Tester, topic goka.Stream, key string, msg proto.Message) {
	t.Helper()
	data, err := proto.Marshal(msg)
	if err != nil {
		t.Fatalf("encode %T: %v", msg, err)
	}
	gkt.Consume(string(topic), key, data)
}

// Drain returns every message emitted to the tracker's topic since the last
// call, as decoded by the topic's codec.
func Drain[T any](t *testing.T, qt *tester.QueueTracker) (keys []string, values []T) {
	t.Helper()
	for {
		k, v, ok := qt.Next()
		if !ok {
			return keys, values
		}
		tv, isT := v.(T)
		if !isT {
			t.Fatalf("message %q is %T, want %T", k, v, *new(T))
		}
		keys, values = append(keys, k), append(values, tv)
	}
}
