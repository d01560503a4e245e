package schemas

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// StockLevelViewCodec decodes a stored stock level for reading: counters,
// ids, version and times, without the stock processor's bookkeeping
// (recent adjustment ids, per-source stamps and their windows, the last
// write's changes). Views read only the former, and the latter is most of
// a busy level's bytes: on a flash sale's level, decoding it was ~14 % of
// the CPU of a sold-out request (docs/performance.md). Only the stock
// processor, which applies commands, needs the whole value
// (StockLevelCodec). Encode writes whatever it is given.
var StockLevelViewCodec stockLevelViewCodec

type stockLevelViewCodec struct{}

// bookkeeping are the StockLevel fields a view skips.
var bookkeeping = map[protowire.Number]bool{6: true, 10: true, 11: true, 12: true}

// changesField is StockLevel.changes, the only field the relay reads.
const changesField protowire.Number = 11

// Encode marshals a *pb.StockLevel.
func (stockLevelViewCodec) Encode(value any) ([]byte, error) {
	return StockLevelCodec.Encode(value)
}

// Decode unmarshals data into a new *pb.StockLevel without its bookkeeping.
func (c stockLevelViewCodec) Decode(data []byte) (any, error) {
	return c.Unmarshal(data)
}

// Unmarshal is Decode with a typed result.
func (stockLevelViewCodec) Unmarshal(data []byte) (*pb.StockLevel, error) {
	kept, err := onlyFields(data, func(n protowire.Number) bool { return !bookkeeping[n] })
	if err != nil {
		return nil, fmt.Errorf("decode *stockflowv1.StockLevel: %w", err)
	}
	return StockLevelCodec.Unmarshal(kept)
}

// StockChangesOf decodes only the changes of a stored stock level (what
// the write that stored it did: reply, movement, alert). The stock relay
// publishes them and reads nothing else of the level, so it skips the
// stamp windows that are most of a busy level's bytes.
func StockChangesOf(data []byte) ([]*pb.StockChange, error) {
	kept, err := onlyFields(data, func(n protowire.Number) bool { return n == changesField })
	if err != nil {
		return nil, fmt.Errorf("decode the changes of a *stockflowv1.StockLevel: %w", err)
	}
	level, err := StockLevelCodec.Unmarshal(kept)
	if err != nil {
		return nil, err
	}
	return level.GetChanges(), nil
}

// onlyFields is data, a serialized message, with only the fields keep
// accepts.
func onlyFields(data []byte, keep func(protowire.Number) bool) ([]byte, error) {
	kept := make([]byte, 0, 128)
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, data[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		if keep(num) {
			kept = append(kept, data[:n+m]...)
		}
		data = data[n+m:]
	}
	return kept, nil
}
