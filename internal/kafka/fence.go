package kafka

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/stockflow/stockflow/internal/metrics"
)

// VersionOf reads, from a stored table value, the offsets of the inputs
// its owner had applied when it wrote it, by input topic. A processor
// writes a key only for an input later than the last it applied there, so
// every write of a key raises one of them, whichever instance made it.
type VersionOf func(value []byte) (map[string]int64, error)

// Versions names the tables whose local copies keep the newest value
// rather than the last one read from the changelog, and how to tell.
//
// Without Kafka transactions nothing stops a replaced instance's late
// writes: an instance cut off from the brokers keeps its unsent changelog
// writes, its partitions move to another instance, and when the
// connection returns its writes land after the new owner's. Read in
// changelog order, the last value of a key is then an older one, and a
// restore or a view would bring back a state that misses changes already
// published. A changelog record older than the value already stored is
// skipped instead (see fencedUpdate).
type Versions map[goka.Table]VersionOf

// fencedUpdate is a goka update callback: a changelog record replaces
// the stored value unless the table is in versions and the record is
// older than the stored value. Tombstones always apply.
func fencedUpdate(versions Versions) goka.UpdateCallback {
	return func(ctx goka.UpdateContext, st storage.Storage, key string, value []byte) error {
		_, err := applyFenced(versions, ctx, st, key, value)
		return err
	}
}

// observedUpdate is fencedUpdate that then calls stored with every value
// it stored (not the tombstones, nor the records it skipped).
func observedUpdate(versions Versions, stored func(key string, value []byte)) goka.UpdateCallback {
	return func(ctx goka.UpdateContext, st storage.Storage, key string, value []byte) error {
		applied, err := applyFenced(versions, ctx, st, key, value)
		if applied && value != nil {
			stored(key, value)
		}
		return err
	}
}

// applyFenced applies one changelog record as fencedUpdate describes and
// reports whether it did.
func applyFenced(versions Versions, ctx goka.UpdateContext, st storage.Storage, key string, value []byte) (bool, error) {
	version := versions[goka.Table(ctx.Topic())]
	if version == nil || value == nil {
		if err := goka.DefaultUpdate(ctx, st, key, value); err != nil {
			return false, err
		}
		return true, nil
	}
	stored, err := st.Get(key)
	if err != nil {
		return false, fmt.Errorf("read %s/%s before applying its changelog: %w", ctx.Topic(), key, err)
	}
	if stored != nil && older(version, value, stored) {
		metrics.StaleChangelogRecords.WithLabelValues(string(ctx.Topic())).Inc()
		slog.Warn("skipping a changelog record older than the stored value (a replaced instance's late write)",
			"table", ctx.Topic(), "partition", ctx.Partition(), "offset", ctx.Offset(), "key", key)
		return false, nil
	}
	if err := st.Set(key, value); err != nil {
		return false, err
	}
	return true, nil
}

// older reports whether value is an older version than stored: it applied
// no input further than stored did, and stored applied at least one input
// further (or one that value has not applied at all). A value whose version cannot be read is not older: it
// applies, as it would without the fence. Two values neither of which is
// older (instances that applied a key's inputs from two topics in
// different orders) keep changelog order.
func older(version VersionOf, value, stored []byte) bool {
	v, err := version(value)
	if err != nil {
		return false
	}
	s, err := version(stored)
	if err != nil {
		return false
	}
	for input, offset := range v {
		if at, ok := s[input]; !ok || offset > at {
			return false
		}
	}
	for input, offset := range s {
		if at, ok := v[input]; !ok || at < offset {
			return true
		}
	}
	return false
}

// Int64Field reads the version from a top-level int64 field: the offset of
// the last input applied, for a table with one input.
func Int64Field(field protowire.Number) VersionOf {
	return func(value []byte) (map[string]int64, error) {
		v, err := int64Field(value, field)
		return map[string]int64{"": v}, err
	}
}

// Int64Map reads the version from a top-level map<string, int64> field:
// the offset of the last input applied, by input topic.
func Int64Map(field protowire.Number) VersionOf {
	return func(value []byte) (map[string]int64, error) {
		offsets := map[string]int64{}
		err := eachField(value, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
			if num != field || typ != protowire.BytesType {
				return protowire.ConsumeFieldValue(num, typ, b), nil
			}
			entry, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return n, nil
			}
			key, err := stringField(entry, 1) // a map entry: key = 1, value = 2
			if err != nil {
				return n, err
			}
			offsets[key], err = int64Field(entry, 2)
			return n, err
		})
		return offsets, err
	}
}

func int64Field(msg []byte, field protowire.Number) (int64, error) {
	var v int64
	err := eachField(msg, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if num != field || typ != protowire.VarintType {
			return protowire.ConsumeFieldValue(num, typ, b), nil
		}
		x, n := protowire.ConsumeVarint(b)
		v = int64(x)
		return n, nil
	})
	return v, err
}

func stringField(msg []byte, field protowire.Number) (string, error) {
	var v string
	err := eachField(msg, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if num != field || typ != protowire.BytesType {
			return protowire.ConsumeFieldValue(num, typ, b), nil
		}
		x, n := protowire.ConsumeBytes(b)
		v = string(x)
		return n, nil
	})
	return v, err
}

var errMalformed = errors.New("malformed protobuf")

// eachField calls fn with every top-level field of a protobuf message;
// fn consumes the field's value and returns its length.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, rest []byte) (int, error)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		m, err := fn(num, typ, b)
		if err != nil {
			return err
		}
		if m < 0 {
			return errMalformed
		}
		b = b[m:]
	}
	return nil
}
