#!/usr/bin/env python3
"""A hookmesh handler in Python: hookmesh.handler.v1.EventHandlerService.

The dispatcher calls HandleEvent once per delivery, at least once: the same
delivery_id can arrive again (a retry after a lost answer, a replay from the
dead-letter queue). This handler does its work once per delivery_id, kept in
SQLite, and answers with the gRPC codes the dispatcher understands:

  OK                  done (or done before: a redelivery)
  INVALID_ARGUMENT    the event can never be handled: dead-lettered at once
  UNAVAILABLE         a transient failure of ours: retried with backoff

Stubs: generate them first with ./generate.sh (into ./gen), or point
--stubs at another directory. See docs/handlers.md.

    ./generate.sh && python3 handler.py --addr 127.0.0.1:9095
    hookmesh subscriptions create py-handler --target 127.0.0.1:9095
"""

import argparse
import json
import os
import signal
import sqlite3
import sys
import threading
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs(path):
    """Imports the generated modules from path (see generate.sh)."""
    if not os.path.isdir(os.path.join(path, "hookmesh", "handler", "v1")):
        sys.exit(f"handler.py: no generated stubs in {path}: run generate.sh first (or pass --stubs)")
    sys.path.insert(0, path)
    global grpc, event_pb2, handler_pb2, handler_pb2_grpc
    import grpc  # noqa: E402  (after the path is known)
    from hookmesh.event.v1 import event_pb2
    from hookmesh.handler.v1 import handler_pb2, handler_pb2_grpc


# The event types whose handling needs an amount: a payment without one is
# a bug upstream, which retrying cannot fix.
PAYMENT_TYPES = ("EVENT_TYPE_PAYMENT_COMPLETED", "EVENT_TYPE_PAYMENT_FAILED", "EVENT_TYPE_PAYMENT_REFUNDED")


class Store:
    """The deliveries handled, by delivery_id: the idempotency key."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS handled ("
            " delivery_id TEXT PRIMARY KEY, subscription TEXT, platform TEXT,"
            " event_id TEXT, event_type TEXT, attempt INTEGER,"
            " handled_at TEXT DEFAULT CURRENT_TIMESTAMP)")

    def first_time(self, req, event_type):
        """Records the delivery; False when it was handled before."""
        ev = req.event
        with self.lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO handled (delivery_id, subscription, platform, event_id, event_type, attempt)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (req.delivery_id, req.subscription, ev.platform, ev.event_id, event_type, req.attempt))
            return cur.rowcount == 1


class Handler:
    """EventHandlerService: the one RPC every hookmesh handler implements."""

    def __init__(self, store, received):
        self.store = store
        self.received = received  # an open file for one JSON line per delivery, or None
        self.received_lock = threading.Lock()

    def HandleEvent(self, request, context):
        ev = request.event
        event_type = event_pb2.EventType.Name(ev.event_type)
        if event_type in PAYMENT_TYPES and not ev.HasField("amount"):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "payment event without an amount")
        try:
            first = self.store.first_time(request, event_type)
        except sqlite3.Error as e:
            # Our own storage failing is transient: ask for a retry.
            context.abort(grpc.StatusCode.UNAVAILABLE, f"store unavailable: {e}")
        if first:
            self.work(request, event_type)
        self.report(request, event_type, duplicate=not first)
        return handler_pb2.HandleEventResponse()

    def work(self, request, event_type):
        """The business logic: here, a log line per event."""
        ev = request.event
        amount = ""
        if ev.HasField("amount"):
            amount = f" {ev.amount.minor_units} {ev.amount.currency} (minor units)"
        print(f"handled {ev.platform} {ev.event_id} {event_type}{amount}"
              f" delivery={request.delivery_id} attempt={request.attempt}", flush=True)

    def report(self, request, event_type, duplicate):
        if self.received is None:
            return
        line = json.dumps({
            "delivery_id": request.delivery_id,
            "subscription": request.subscription,
            "attempt": request.attempt,
            "platform": request.event.platform,
            "event_id": request.event.event_id,
            "event_type": event_type,
            "payload_bytes": len(request.payload),
            "duplicate": duplicate,
        })
        with self.received_lock:
            self.received.write(line + "\n")
            self.received.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--addr", default=os.environ.get("HANDLER_ADDR", "127.0.0.1:9095"),
                   help="host:port to listen on; port 0 picks a free one (default 127.0.0.1:9095)")
    p.add_argument("--db", default="handler.db", help="SQLite file of the deliveries handled (default handler.db)")
    p.add_argument("--stubs", default=os.environ.get("HOOKMESH_PY_STUBS", os.path.join(HERE, "gen")),
                   help="directory of the generated stubs (default ./gen beside this file)")
    p.add_argument("--received", help="append one JSON line per delivery to this file")
    args = p.parse_args()
    load_stubs(args.stubs)

    received = open(args.received, "a", encoding="utf-8") if args.received else None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    handler_pb2_grpc.add_EventHandlerServiceServicer_to_server(Handler(Store(args.db), received), server)
    port = server.add_insecure_port(args.addr)
    if port == 0:
        sys.exit(f"handler.py: cannot listen on {args.addr}")
    server.start()
    host = args.addr.rsplit(":", 1)[0]
    print(f"listening on {host}:{port}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    # Finish the calls in flight; the dispatcher retries what is cut off.
    server.stop(grace=5).wait()


if __name__ == "__main__":
    main()
