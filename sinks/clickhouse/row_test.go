package clickhouse_test

import (
	"errors"
	"testing"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

func TestToRow(t *testing.T) {
	t.Parallel()
	base := func(kind pb.MovementKind, adjust pb.AdjustKind, reason string) *pb.StockMovement {
		return &pb.StockMovement{MovementId: "p@w#3", ProductId: "p", WarehouseId: "w", Kind: kind, AdjustKind: adjust,
			Reason: reason, Version: 3, AtUnixMs: 1_700_000_000_123}
	}
	cases := []struct {
		name        string
		in          *pb.StockMovement
		kind, cause string
	}{
		{"receive_is_an_adjust_of_kind_receive", base(pb.MovementKind_MOVEMENT_KIND_ADJUST, pb.AdjustKind_ADJUST_KIND_RECEIVE, "PO-1"), "receive", ""},
		{"count_is_an_adjust_of_kind_count", base(pb.MovementKind_MOVEMENT_KIND_ADJUST, pb.AdjustKind_ADJUST_KIND_COUNT, ""), "count", ""},
		{"correct_is_an_adjust_of_kind_correct", base(pb.MovementKind_MOVEMENT_KIND_ADJUST, pb.AdjustKind_ADJUST_KIND_CORRECT, ""), "correct", ""},
		{"adjust_without_kind_stays_adjust", base(pb.MovementKind_MOVEMENT_KIND_ADJUST, 0, ""), "adjust", ""},
		{"reserve", base(pb.MovementKind_MOVEMENT_KIND_RESERVE, 0, ""), "reserve", ""},
		{"commit", base(pb.MovementKind_MOVEMENT_KIND_COMMIT, 0, ""), "commit", ""},
		{"release_on_expiry", base(pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, "expired"), "release", "expire"},
		{"release_on_rejection", base(pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, "rejected"), "release", "reject"},
		{"release_with_a_customer_reason_is_a_cancel", base(pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, "changed my mind"), "release", "cancel"},
		{"release_of_an_orphan", base(pb.MovementKind_MOVEMENT_KIND_RELEASE, 0, "orphan"), "release", "orphan"},
		{"transfer_out", base(pb.MovementKind_MOVEMENT_KIND_TRANSFER_OUT, 0, ""), "transfer_out", ""},
		{"transfer_in", base(pb.MovementKind_MOVEMENT_KIND_TRANSFER_IN, 0, ""), "transfer_in", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := clickhouse.ToRow(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != c.kind || r.Cause != c.cause {
				t.Fatalf("kind %q cause %q, want %q %q", r.Kind, r.Cause, c.kind, c.cause)
			}
			if r.At.Unix() != 1_700_000_000 || r.AtUnixMs != 1_700_000_000_123 {
				t.Fatalf("at %v / %d", r.At, r.AtUnixMs)
			}
		})
	}
}

func TestToRowRefusesMovementsWithoutIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   *pb.StockMovement
	}{
		{"no_kind", &pb.StockMovement{MovementId: "p@w#1", ProductId: "p", WarehouseId: "w", Version: 1}},
		{"no_product", &pb.StockMovement{MovementId: "@w#1", WarehouseId: "w", Kind: pb.MovementKind_MOVEMENT_KIND_RESERVE, Version: 1}},
		{"no_version", &pb.StockMovement{MovementId: "p@w#0", ProductId: "p", WarehouseId: "w", Kind: pb.MovementKind_MOVEMENT_KIND_RESERVE}},
		{"no_id", &pb.StockMovement{ProductId: "p", WarehouseId: "w", Kind: pb.MovementKind_MOVEMENT_KIND_RESERVE, Version: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := clickhouse.ToRow(c.in); !errors.Is(err, clickhouse.ErrBadMovement) {
				t.Fatalf("err %v, want ErrBadMovement", err)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	t.Parallel()
	got := clickhouse.SplitStatements("-- a comment; with a semicolon\nCREATE TABLE a (x Int8) ENGINE = Memory;\n\n-- b\nSELECT 1;\n")
	if len(got) != 2 || got[0] != "CREATE TABLE a (x Int8) ENGINE = Memory" || got[1] != "SELECT 1" {
		t.Fatalf("%q", got)
	}
}

func TestEmbeddedMigrationsParse(t *testing.T) {
	t.Parallel()
	migs, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) < 4 || migs[len(migs)-1].MinServer == "" {
		t.Fatalf("want >= 4 migrations, the last gated on a server version: %+v", migs)
	}
	for _, m := range migs[:len(migs)-1] {
		if m.MinServer != "" {
			t.Errorf("base migration %d is gated on %s", m.Version, m.MinServer)
		}
	}
}
