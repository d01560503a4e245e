#!/usr/bin/env python3
"""Reads stockflow's public order-events and stock-movements topics.

Decodes each record with the Python code generated from schemas/proto
(see README.md), drops copies (delivery is at least once), and prints one
JSON object per line:

  {"topic": "order-events", "key": "<order id>", "event": {...}}
  {"topic": "stock-movements", "key": "<product>@<warehouse>", "movement": {...}}

Usage:
  python consumer.py --bootstrap 127.0.0.1:9092 [--group my-team] [--exit-at-end] [--timeout 60]

--exit-at-end stops once every assigned partition has been read to its
end (handy in tests and backfills); without it the consumer runs until
interrupted. A summary (records read, copies dropped) goes to stderr.
"""

import argparse
import json
import os
import signal
import sys
import time

# The generated code (gen/stockflow/v1/*_pb2.py) imports itself as
# "stockflow.v1...", so gen/ must be on the path.
sys.path.insert(0, os.environ.get("STOCKFLOW_PY_GEN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen")))

from confluent_kafka import Consumer, KafkaError  # noqa: E402
from stockflow.v1 import order_events_pb2, stock_pb2  # noqa: E402

ORDER_EVENTS = "order-events"
STOCK_MOVEMENTS = "stock-movements"


def stock_list(items):
    return [{"product_id": s.product_id, "warehouse_id": s.warehouse_id, "quantity": s.quantity} for s in items]


def order_event(e):
    """The fields of an OrderEvent a downstream system typically needs."""
    out = {
        "event_id": e.event_id,
        "order_id": e.order_id,
        "user_id": e.user_id,
        "shop_id": e.shop_id,
        # An enum value this code does not know (added after it was
        # generated) has no name: keep the number, never fail on it.
        "kind": enum_name(order_events_pb2.OrderEventKind, e.kind, "ORDER_EVENT_KIND_"),
        "sequence": e.sequence,
        "occurred_at_unix_ms": e.occurred_at_unix_ms,
        "lines": [{"product_id": l.product_id, "quantity": l.quantity, "unit_price_minor": l.unit_price_minor, "currency": l.currency} for l in e.lines],
        "held": stock_list(e.held),
        "committed": stock_list(e.committed),
        "released": stock_list(e.released),
        "reason": e.reason,
        "payment_reference": e.payment_reference,
        "paid_at_unix_ms": e.paid_at_unix_ms,
        "cancelled_at_unix_ms": e.cancelled_at_unix_ms,
        "expires_at_unix_ms": e.expires_at_unix_ms,
    }
    if e.HasField("problem"):
        out["problem"] = {"detail": e.problem.detail, "field": e.problem.field}
    return out


def movement(m):
    """The fields of a StockMovement a downstream system typically needs."""
    return {
        "movement_id": m.movement_id,
        "product_id": m.product_id,
        "warehouse_id": m.warehouse_id,
        "kind": enum_name(stock_pb2.MovementKind, m.kind, "MOVEMENT_KIND_"),
        "on_hand_delta": m.on_hand_delta,
        "reserved_delta": m.reserved_delta,
        "on_hand_after": m.on_hand_after,
        "reserved_after": m.reserved_after,
        "order_id": m.order_id,
        "reason": m.reason,
        "version": m.version,
        "at_unix_ms": m.at_unix_ms,
    }


def enum_name(enum, value, prefix):
    try:
        return enum.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return str(value)


class Deduplicator:
    """Drops copies. Order events: by event_id. Movements: per key, any
    version at or below the highest seen (versions arrive in order per key).

    This one keeps its memory in process, so it only drops copies within a
    run; a real consumer keeps the same facts next to what it writes (a
    unique key on event_id, the highest version per product@warehouse).
    """

    def __init__(self):
        self.event_ids = set()
        self.versions = {}
        self.dropped = 0

    def new_event(self, e):
        if e.event_id in self.event_ids:
            self.dropped += 1
            return False
        self.event_ids.add(e.event_id)
        return True

    def new_movement(self, key, m):
        if m.version <= self.versions.get(key, 0):
            self.dropped += 1
            return False
        self.versions[key] = m.version
        return True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port[,host:port]")
    p.add_argument("--group", default="python-consumer-example", help="consumer group id (default: %(default)s)")
    p.add_argument("--exit-at-end", action="store_true", help="stop once every assigned partition is read to its end")
    p.add_argument("--timeout", type=float, default=0, help="give up after this many seconds (0: never)")
    args = p.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "earliest",  # a new group starts at the oldest record
        "enable.partition.eof": args.exit_at_end,
        "enable.auto.commit": True,
    })
    assigned, at_end = set(), set()

    def on_assign(c, partitions):
        assigned.update((tp.topic, tp.partition) for tp in partitions)

    consumer.subscribe([ORDER_EVENTS, STOCK_MOVEMENTS], on_assign=on_assign)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    dedup, read = Deduplicator(), 0
    deadline = time.monotonic() + args.timeout if args.timeout else None
    try:
        while deadline is None or time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            tp = (msg.topic(), msg.partition())
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(tp)
                    if args.exit_at_end and assigned and at_end >= assigned and {t for t, _ in assigned} == {ORDER_EVENTS, STOCK_MOVEMENTS}:
                        break
                    continue
                raise SystemExit(f"kafka error: {msg.error()}")
            at_end.discard(tp)
            read += 1
            record = handle(msg, dedup)
            if record is not None:
                print(json.dumps(record), flush=True)
        else:
            raise SystemExit(f"timed out after {args.timeout}s ({len(at_end)} of {len(assigned)} partitions read to the end)")
    finally:
        consumer.close()
        print(json.dumps({"read": read, "copies_dropped": dedup.dropped}), file=sys.stderr)


def handle(msg, dedup):
    """Decodes msg by its topic; None if it is a copy of one already seen."""
    key = msg.key().decode()
    if msg.topic() == ORDER_EVENTS:
        e = order_events_pb2.OrderEvent.FromString(msg.value())
        return {"topic": ORDER_EVENTS, "key": key, "event": order_event(e)} if dedup.new_event(e) else None
    m = stock_pb2.StockMovement.FromString(msg.value())
    return {"topic": STOCK_MOVEMENTS, "key": key, "movement": movement(m)} if dedup.new_movement(key, m) else None


if __name__ == "__main__":
    main()
