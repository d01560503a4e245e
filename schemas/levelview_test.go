package schemas_test

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

func busyLevel() *pb.StockLevel {
	return &pb.StockLevel{
		ProductId: "p1", WarehouseId: "w1", OnHand: 20_000, Reserved: 1_234, Version: 1_300,
		UpdatedAtUnixMs: 1_764_000_000_000, AppliedOffset: 99_123,
		Recent:       []string{"a:a1", "a:a2"},
		Sources:      map[string]int64{"order-commands/0": 500, "order-replies/3": 712},
		RecentStamps: map[string]*pb.AppliedStamps{"order-commands/0": {Offsets: []int64{498, 499, 500}}},
		Changes:      []*pb.StockChange{{Movement: &pb.StockMovement{MovementId: "p1@w1#1300", ReservedDelta: 1}}},
	}
}

// withoutBookkeeping is what a view should read of l.
func withoutBookkeeping(l *pb.StockLevel) *pb.StockLevel {
	v := proto.Clone(l).(*pb.StockLevel)
	v.Recent, v.Sources, v.RecentStamps, v.Changes = nil, nil, nil, nil
	return v
}

func TestTheViewCodecReadsALevelWithoutTheProcessorsBookkeeping(t *testing.T) {
	data, err := schemas.StockLevelCodec.Encode(busyLevel())
	if err != nil {
		t.Fatal(err)
	}
	got, err := schemas.StockLevelViewCodec.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := withoutBookkeeping(busyLevel()); !proto.Equal(got.(*pb.StockLevel), want) {
		t.Fatalf("view decoded %v, want %v", got, want)
	}
}

func TestTheRelayReadsOnlyALevelsChanges(t *testing.T) {
	data, err := schemas.StockLevelCodec.Encode(busyLevel())
	if err != nil {
		t.Fatal(err)
	}
	got, err := schemas.StockChangesOf(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := busyLevel().GetChanges(); len(got) != len(want) || !proto.Equal(got[0], want[0]) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}

func TestTheViewCodecRefusesWhatIsNotALevel(t *testing.T) {
	data, _ := schemas.StockLevelCodec.Encode(busyLevel())
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)-3],
		"bad tag":   {0xff, 0xff, 0xff},
	} {
		if v, err := schemas.StockLevelViewCodec.Decode(bad); err == nil {
			t.Errorf("%s: decoded %v, want an error", name, v)
		}
		if c, err := schemas.StockChangesOf(bad); err == nil {
			t.Errorf("%s: read changes %v, want an error", name, c)
		}
	}
}

// sameViewOfLevel fails t unless the view codec reads data as the whole
// codec does, minus the bookkeeping, and the relay reads the same changes
// (FuzzDecode calls it on every input).
// Unknown fields are not compared: a bookkeeping field number with another
// wire type is one, and the view skips it.
func sameViewOfLevel(t *testing.T, data []byte) {
	whole, err := schemas.StockLevelCodec.Unmarshal(data)
	if err != nil {
		return
	}
	view, err := schemas.StockLevelViewCodec.Unmarshal(data)
	if err != nil {
		t.Fatalf("the view codec refused a level the whole codec read: %v", err)
	}
	want := withoutBookkeeping(whole)
	want.ProtoReflect().SetUnknown(nil)
	view.ProtoReflect().SetUnknown(nil)
	if !proto.Equal(view, want) {
		t.Fatalf("view read %v, want %v", view, want)
	}
	changes, err := schemas.StockChangesOf(data)
	if err != nil {
		t.Fatalf("the relay refused a level the whole codec read: %v", err)
	}
	if len(changes) != len(whole.GetChanges()) {
		t.Fatalf("the relay read %d changes, want %d", len(changes), len(whole.GetChanges()))
	}
	for i, c := range changes {
		if !proto.Equal(c, whole.GetChanges()[i]) {
			t.Fatalf("the relay read change %d as %v, want %v", i, c, whole.GetChanges()[i])
		}
	}
}

// hotLevel is a flash sale's level: twelve saga partitions, each with a
// full window of 32 stamps.
func hotLevel() *pb.StockLevel {
	l := busyLevel()
	l.Sources, l.RecentStamps = map[string]int64{}, map[string]*pb.AppliedStamps{}
	for p := range 12 {
		source := fmt.Sprintf("order-commands/%d", p)
		stamps := &pb.AppliedStamps{}
		for i := range 32 {
			stamps.Offsets = append(stamps.Offsets, int64(1_000_000+i*7))
		}
		l.Sources[source], l.RecentStamps[source] = 1_000_217, stamps
	}
	return l
}

// BenchmarkReadAHotLevel compares what each reader of the stock table pays
// to decode a flash sale's level: the stock processor (whole), the views
// and the relay.
func BenchmarkReadAHotLevel(b *testing.B) {
	data, err := schemas.StockLevelCodec.Encode(hotLevel())
	if err != nil {
		b.Fatal(err)
	}
	readers := []struct {
		name string
		read func([]byte) error
	}{
		{"whole", func(d []byte) error { _, err := schemas.StockLevelCodec.Unmarshal(d); return err }},
		{"view", func(d []byte) error { _, err := schemas.StockLevelViewCodec.Unmarshal(d); return err }},
		{"relay", func(d []byte) error { _, err := schemas.StockChangesOf(d); return err }},
	}
	for _, r := range readers {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := r.read(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
