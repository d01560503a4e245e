package transfers_test

import (
	"testing"

	"github.com/stockflow/stockflow/processors/transfers"
	"github.com/stockflow/stockflow/schemas"
)

// BenchmarkRequestToCompleted runs a transfer from request to completed,
// including encoding the state as the processor stores it at each step.
func BenchmarkRequestToCompleted(b *testing.B) {
	r := request(4)
	b.ReportAllocs()
	for b.Loop() {
		s, eff, err := transfers.Request("t1", r, active("w2"), requestStamp, now)
		if err != nil {
			b.Fatal(err)
		}
		eff = transfers.OnReply(s, answer(eff.Command, ok, 4), replyStamp, now)
		if _, err := schemas.TransferStateCodec.Encode(s); err != nil {
			b.Fatal(err)
		}
		transfers.OnReply(s, answer(eff.Command, ok, 4), replyStamp, now)
		if _, err := schemas.TransferStateCodec.Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}
