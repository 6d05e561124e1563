#!/usr/bin/env python3
"""Foreign-key table-table joins on a real broker, with the test program
fk-join-app (orders joined with their customers: inner and left join).

- The two tables have different partition counts (orders 3, customers 2): the
  join's subscription topics get the customers' count, its response topics the
  orders' count.
- Every subscription lands on the partition Kafka's default partitioner picks
  for its foreign key (where the customer row is), every response on the
  partition of the order that subscribed.
- The final joined rows equal an independent computation, after a first load
  and after updates made while the application runs: renamed customers,
  orders moved to other (present or missing) customers, deleted orders,
  deleted customers.

Run with /usr/bin/python3; see common.py for the environment.
KSTREAMS_FK_JOIN_APP overrides the program's command line."""

import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402

NAME = "fk_join"
ORDER_PARTITIONS = 3
CUSTOMER_PARTITIONS = 2
CUSTOMERS = 20
ORDERS = 90
TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 120))


def app_command():
    return common.program_command("KSTREAMS_FK_JOIN_APP", "tests", "integration", "fk-join-app")


class FkJoinApp(common.Router):
    """One fk-join-app process (the Router machinery with its flags)."""

    def __init__(self, name, bs, app_id, state_dir, topics, workdir):
        self.name = name
        self.cmd = common._die_with_parent_prefix() + app_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--orders", topics["orders"], "--customers", topics["customers"],
            "--inner-output", topics["inner"], "--left-output", topics["left"],
            "--commit-interval-ms", "200", "--threads", "2",
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0


def produce(bs, topic, partitions, records):
    """records: (key, value or None), each to the partition Kafka's default
    partitioner picks for its key (as a Java producer would)."""
    p = Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 5, "enable.idempotence": True})
    errors = []
    for key, value in records:
        k = key.encode()
        p.produce(topic, key=k, value=None if value is None else value.encode(),
                  partition=common.default_partition(k, partitions),
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
        p.poll(0)
    left = p.flush(60)
    if left or errors:
        raise common.TestFailure(f"producer: {left} undelivered, errors {errors[:3]}")


class TableReader:
    """Reads a topic from the beginning: the last value per key (None: deleted),
    and the partition of every record (bytes: internal topics are binary)."""

    def __init__(self, bs, topic, partitions):
        self.consumer = Consumer({"bootstrap.servers": bs, "group.id": f"it-fk-reader-{common.run_id()}",
                                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        self.last = {}
        self.records = []  # (key bytes, partition)

    def poll(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            for m in self.consumer.consume(num_messages=5000, timeout=0.2):
                if m.error():
                    raise common.TestFailure(f"consumer error: {m.error()}")
                self.records.append((m.key(), m.partition()))
                if m.key() is not None:
                    self.last[m.key()] = m.value()

    def rows(self):
        """The live rows, decoded (output topics hold text)."""
        return {k.decode(): v.decode() for k, v in self.last.items() if v is not None}

    def close(self):
        self.consumer.close()


def expected(orders, customers):
    inner, left = {}, {}
    for order, (customer, amount) in orders.items():
        name = customers.get(customer)
        if name is not None:
            inner[order] = f"{amount}@{name}"
        left[order] = f"{amount}@{name if name is not None else 'NONE'}"
    return inner, left


def diff(what, want, got, limit=8):
    problems = []
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            problems.append(f"{what} {k}: expected {want.get(k)!r}, got {got.get(k)!r}")
    return problems[:limit] + ([f"... {len(problems) - limit} more"] if len(problems) > limit else [])


def wait_rows(what, readers, orders, customers, app):
    want_inner, want_left = expected(orders, customers)
    deadline = time.time() + TIMEOUT
    while True:
        for r in readers.values():
            r.poll(0.3)
        app.check_alive()
        problems = diff("inner", want_inner, readers["inner"].rows()) + diff("left", want_left, readers["left"].rows())
        if not problems:
            common.log(NAME, f"{what}: {len(want_inner)} inner and {len(want_left)} left rows as expected")
            return
        if time.time() > deadline:
            raise common.TestFailure(f"{what}: after {TIMEOUT}s the joined rows differ:\n  " + "\n  ".join(problems))


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    app_id = f"it-fk-join-{rid}"
    topics = {"orders": f"it-fk-orders-{rid}", "customers": f"it-fk-customers-{rid}",
              "inner": f"it-fk-inner-{rid}", "left": f"it-fk-left-{rid}"}
    common.create_topics(bs, [topics["orders"], topics["inner"], topics["left"]], ORDER_PARTITIONS)
    common.create_topics(bs, [topics["customers"]], CUSTOMER_PARTITIONS)

    customers = {f"c{i:02d}": f"name{i:02d}" for i in range(CUSTOMERS)}
    # Some orders name customers that never exist (c9x).
    orders = {f"o{j:03d}": (f"c{j % (CUSTOMERS + 3):02d}" if j % (CUSTOMERS + 3) < CUSTOMERS else f"c9{j % 3}",
                            str(j * 10)) for j in range(ORDERS)}
    produce(bs, topics["customers"], CUSTOMER_PARTITIONS, list(customers.items()))
    produce(bs, topics["orders"], ORDER_PARTITIONS, [(k, f"{c}:{a}") for k, (c, a) in orders.items()])

    app = FkJoinApp("fk-join-app", bs, app_id, Path(h.tmp) / "state", topics, h.tmp)
    h.routers.append(app)
    app.start()
    readers = {"inner": TableReader(bs, topics["inner"], ORDER_PARTITIONS),
               "left": TableReader(bs, topics["left"], ORDER_PARTITIONS)}
    try:
        wait_rows("first load", readers, orders, customers, app)

        # Updates while running.
        renamed = {f"c{i:02d}": f"renamed{i:02d}" for i in range(5)}
        customers.update(renamed)
        produce(bs, topics["customers"], CUSTOMER_PARTITIONS, list(renamed.items()))
        moves = {}
        for j in range(0, 20):
            key = f"o{j:03d}"
            target = f"c{(j * 7 + 3) % CUSTOMERS:02d}" if j % 4 else "c99"  # every 4th to a missing customer
            moves[key] = (target, orders[key][1] + "5")
        orders.update(moves)
        produce(bs, topics["orders"], ORDER_PARTITIONS, [(k, f"{c}:{a}") for k, (c, a) in moves.items()])
        deleted_orders = [f"o{j:03d}" for j in range(20, 30)]
        for k in deleted_orders:
            orders.pop(k)
        produce(bs, topics["orders"], ORDER_PARTITIONS, [(k, None) for k in deleted_orders])
        deleted_customers = ["c05", "c06", "c11"]
        for c in deleted_customers:
            customers.pop(c)
        produce(bs, topics["customers"], CUSTOMER_PARTITIONS, [(c, None) for c in deleted_customers])
        # A customer that was missing arrives, and a renamed one is renamed again.
        arrivals = {"c99": "late-arrival", "c01": "renamed-again"}
        customers.update(arrivals)
        produce(bs, topics["customers"], CUSTOMER_PARTITIONS, list(arrivals.items()))
        wait_rows("after updates", readers, orders, customers, app)

        # The internal topics: partition counts and where each record went.
        md = common.admin_client(bs).list_topics(timeout=10)
        problems = []
        for join in ("orders-inner", "orders-left"):
            subscription = f"{app_id}-{join}-subscription-registration-topic"
            response = f"{app_id}-{join}-subscription-response-topic"
            for topic, want in ((subscription, CUSTOMER_PARTITIONS), (response, ORDER_PARTITIONS)):
                got = len(md.topics[topic].partitions) if topic in md.topics else None
                if got != want:
                    problems.append(f"{topic}: {got} partitions, expected {want}")
            subs = TableReader(bs, subscription, CUSTOMER_PARTITIONS)
            resps = TableReader(bs, response, ORDER_PARTITIONS)
            subs.poll(3)
            resps.poll(3)
            subs.close()
            resps.close()
            if not subs.records or not resps.records:
                problems.append(f"{join}: {len(subs.records)} subscriptions, {len(resps.records)} responses read")
            for key, partition in subs.records:
                if key is not None and partition != common.default_partition(key, CUSTOMER_PARTITIONS):
                    problems.append(f"{subscription}: key {key!r} on partition {partition}")
            for key, partition in resps.records:
                if partition != common.default_partition(key, ORDER_PARTITIONS):
                    problems.append(f"{response}: order {key!r} answered on partition {partition}, "
                                    f"but the order is on {common.default_partition(key, ORDER_PARTITIONS)}")
            common.log(NAME, f"{join}: {len(subs.records)} subscriptions and {len(resps.records)} responses "
                             "checked for their partitions")
        if problems:
            raise common.TestFailure("internal topics:\n  " + "\n  ".join(problems[:10]))
        code = app.terminate()
        if code != 0:
            raise common.TestFailure(f"fk-join-app exited with {code} after SIGTERM\n{app.log_tail()}")
    finally:
        for r in readers.values():
            r.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
