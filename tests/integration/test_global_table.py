#!/usr/bin/env python3
"""Global tables on a real broker, with the test program global-table-enrich
(orders left-joined with a global table of products; each output value names
the product, its name and the instance that enriched it).

- A products topic with 2 partitions (rows placed on both explicitly) is fully
  replicated into each of two instances with the same application id: each
  instance restores all rows from both partitions (its log says so), and each
  enriches the orders of its own orders partition with rows of BOTH product
  partitions, all correctly.
- Updates while running: new product names are produced; later orders show
  them on both instances.
- Restore from the checkpoint: one instance is stopped (SIGTERM, exit 0), its
  global checkpoint must hold the end offsets of both product partitions;
  updates and deletes are produced while it is down; after its restart its log
  must say it restored exactly those records (not the whole topic), and its
  orders must see them.

Run with /usr/bin/python3; see common.py for the environment.
KSTREAMS_GLOBAL_ENRICH overrides the program's command line."""

import os
import re
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402

NAME = "global_table"
PRODUCTS = 200
PARTITIONS = 2
TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 120))
RESTORED = re.compile(r"restored global stores \(([^)]*)\): (\d+) records from (\d+) partitions")


def enrich_command():
    return common.program_command("KSTREAMS_GLOBAL_ENRICH", "tests", "integration", "global-table-enrich")


class EnrichApp(common.Router):
    """One global-table-enrich process (the Router machinery with its flags)."""

    def __init__(self, name, bs, app_id, state_dir, topics, workdir):
        self.name = name
        self.app_id = app_id
        self.state_dir = Path(state_dir)
        self.cmd = common._die_with_parent_prefix() + enrich_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--orders", topics["orders"], "--products", topics["products"], "--output", topics["output"],
            "--instance", name, "--commit-interval-ms", "500", "--config", f"client.id={name}",
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def restores(self):
        """[(stores, records, partitions)] of every global restoration logged so far."""
        return [(m.group(1), int(m.group(2)), int(m.group(3))) for m in RESTORED.finditer(self.log_text())]

    def checkpoint(self):
        """{(topic, partition): offset} from the global checkpoint file."""
        path = self.state_dir / self.app_id / "global" / ".checkpoint"
        lines = path.read_text().splitlines()
        if not lines or lines[0] != "kstreams-checkpoint 1":
            raise common.TestFailure(f"{path}: unexpected checkpoint header {lines[:1]}")
        count = int(lines[1])
        entries = {}
        for line in lines[2:2 + count]:
            _store, topic, partition, offset, _version = line.split(" ")
            entries[(topic, int(partition))] = int(offset)
        return entries


def wait_until(what, predicate, apps, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while not predicate():
        for a in apps:
            a.check_alive()
        if time.time() > deadline:
            raise common.TestFailure(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def restored(app, n):
    """The app logged its n-th global restoration."""
    return len(app.restores()) >= n


def balanced(admin, app_id, orders_topic, names):
    """The group is stable, with one orders partition for each named instance.
    Returns {partition: instance name} or None."""
    g = common.group_members(admin, app_id)
    if g is None or g[0] != "Stable" or len(g[1]) != len(names):
        return None
    owner = {}
    for client_id, assignment in g[1]:
        name = next((n for n in names if client_id.startswith(n + "-")), None)
        if name is None or assignment is None:
            return None
        parts = assignment.get(orders_topic, [])
        if len(parts) != 1:
            return None
        owner[parts[0]] = name
    return owner if sorted(owner) == list(range(PARTITIONS)) else None


def produce(bs, topic, records):
    """records: (key, value or None, partition); delivered before returning."""
    p = Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 5, "enable.idempotence": True})
    errors = []
    for key, value, partition in records:
        p.produce(topic, key=key.encode(), value=None if value is None else value.encode(), partition=partition,
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
        p.poll(0)
    left = p.flush(60)
    if left or errors:
        raise common.TestFailure(f"producer: {left} undelivered, errors {errors[:3]}")


def product(j):
    return f"p{j:03d}"


def product_partition(j):
    # Explicitly spread: even products on partition 0, odd ones on partition 1.
    return j % PARTITIONS


class OutputReader:
    def __init__(self, bs, topic):
        self.consumer = Consumer({"bootstrap.servers": bs, "group.id": f"it-global-reader-{common.run_id()}",
                                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        self.values = {}

    def poll(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            for m in self.consumer.consume(num_messages=5000, timeout=0.2):
                if m.error():
                    raise common.TestFailure(f"output consumer error: {m.error()}")
                self.values[m.key().decode()] = m.value().decode()

    def close(self):
        self.consumer.close()


def order_round(bs, topic, tag):
    """Orders for every product on each orders partition: {order key: (product index, orders partition)}."""
    orders = {}
    records = []
    for partition in range(PARTITIONS):
        for j in range(PRODUCTS):
            key = f"{tag}-{partition}-{j:03d}"
            orders[key] = (j, partition)
            records.append((key, product(j), partition))
    produce(bs, topic, records)
    return orders


def check_round(reader, orders, expected_name, apps, what):
    """Waits for every order of the round; returns the problems: wrong or
    missing names, or an instance that did not see rows of both product partitions."""
    wait_until(f"{len(orders)} enriched orders ({what})",
               lambda: reader.poll(0.3) or all(k in reader.values for k in orders), apps)
    problems = []
    parities = {}
    for key, (j, _partition) in orders.items():
        value = reader.values[key]
        m = re.fullmatch(r"(p\d{3})=(.*)@(\S+)", value)
        if m is None:
            problems.append(f"{key}: malformed output {value!r}")
            continue
        if m.group(1) != product(j):
            problems.append(f"{key}: joined product {m.group(1)}, expected {product(j)}")
        if m.group(2) != expected_name(j):
            problems.append(f"{key}: {product(j)} named {m.group(2)!r}, expected {expected_name(j)!r}")
        parities.setdefault(m.group(3), set()).add(product_partition(j))
    names = sorted(a.name for a in apps)
    if sorted(parities) != names:
        problems.append(f"orders enriched by {sorted(parities)}, expected by each of {names}")
    for instance, seen in parities.items():
        if seen != set(range(PARTITIONS)):
            problems.append(f"{instance} enriched with rows of product partitions {sorted(seen)} only")
    return problems


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    app_id = f"it-global-{rid}"
    topics = {"orders": f"{app_id}-orders", "products": f"{app_id}-products", "output": f"{app_id}-enriched"}
    common.log(NAME, f"broker {bs}, application id {app_id}")
    common.create_topics(bs, list(topics.values()), PARTITIONS)
    admin = common.admin_client(bs)

    produce(bs, topics["products"], [(product(j), f"name{j}-v1", product_partition(j)) for j in range(PRODUCTS)])
    a = EnrichApp("A", bs, app_id, os.path.join(h.tmp, "state-a"), topics, h.tmp)
    b = EnrichApp("B", bs, app_id, os.path.join(h.tmp, "state-b"), topics, h.tmp)
    h.routers.extend([a, b])
    apps = [a, b]
    a.start()
    b.start()
    wait_until("both instances to restore the global table", lambda: restored(a, 1) and restored(b, 1), apps)
    for app in apps:
        stores, records, partitions = app.restores()[0]
        if records != PRODUCTS or partitions != PARTITIONS:
            raise common.TestFailure(f"{app.name} restored {records} records from {partitions} partitions "
                                     f"({stores}), expected {PRODUCTS} from {PARTITIONS}")
    common.log(NAME, f"both instances restored {PRODUCTS} rows from {PARTITIONS} partitions")
    wait_until("one orders partition per instance", lambda: balanced(admin, app_id, topics["orders"], ["A", "B"]),
               apps)

    reader = OutputReader(bs, topics["output"])
    try:
        # 1. Full replication: each instance joins with rows of both partitions.
        orders = order_round(bs, topics["orders"], "r1")
        problems = check_round(reader, orders, lambda j: f"name{j}-v1", apps, "initial table")
        if problems:
            raise common.TestFailure(f"initial round: {len(problems)} problems, e.g. {problems[:8]}")
        common.log(NAME, f"round 1: {len(orders)} orders enriched by both instances with rows of both partitions")

        # 2. Updates while running, seen by later orders on both instances.
        produce(bs, topics["products"], [(product(j), f"name{j}-v2", product_partition(j)) for j in range(PRODUCTS)])
        rounds = 0
        deadline = time.time() + TIMEOUT
        while True:
            rounds += 1
            orders = order_round(bs, topics["orders"], f"r2.{rounds}")
            problems = check_round(reader, orders, lambda j: f"name{j}-v2", apps, "after updates")
            if not problems:
                break
            stale = [p for p in problems if "-v1'" not in p]
            if stale:
                raise common.TestFailure(f"after updates: {len(stale)} problems besides not-yet-applied updates, "
                                         f"e.g. {stale[:8]}")
            if time.time() > deadline:
                raise common.TestFailure(f"updates not seen within {TIMEOUT}s: {problems[:8]}")
        common.log(NAME, f"updates seen by both instances (after {rounds} round(s) of orders)")

        # 3. Restart from the checkpoint.
        code = a.terminate(60)
        if code != 0:
            raise common.TestFailure(f"A exited with {code} after SIGTERM (expected 0)\n{a.log_tail()}")
        cp = a.checkpoint()
        probe = Consumer({"bootstrap.servers": bs, "group.id": f"it-global-probe-{rid}"})
        ends = {(topics["products"], p): probe.get_watermark_offsets(TopicPartition(topics["products"], p),
                                                                    timeout=10)[1]
                for p in range(PARTITIONS)}
        probe.close()
        if cp != ends:
            raise common.TestFailure(f"A's global checkpoint {cp} differs from the products end offsets {ends}")
        common.log(NAME, f"A stopped; its global checkpoint holds the end offsets {sorted(ends.values())}")

        renamed = [j for j in range(PRODUCTS) if j % 3 == 0]
        deleted = [j for j in range(PRODUCTS) if j % 10 == 5]
        produce(bs, topics["products"], [(product(j), f"name{j}-v3", product_partition(j)) for j in renamed])
        produce(bs, topics["products"], [(product(j), None, product_partition(j)) for j in deleted])
        a.start()
        wait_until("A to restore again", lambda: restored(a, 2), apps)
        stores, records, partitions = a.restores()[1]
        if records != len(renamed) + len(deleted) or partitions != PARTITIONS:
            raise common.TestFailure(f"A restored {records} records from {partitions} partitions after its restart, "
                                     f"expected only the {len(renamed) + len(deleted)} written since its checkpoint "
                                     f"(from {PARTITIONS} partitions)")
        common.log(NAME, f"A restarted and restored only the {records} records written since its checkpoint")
        wait_until("one orders partition per instance again",
                   lambda: balanced(admin, app_id, topics["orders"], ["A", "B"]), apps)

        def final_name(j):
            if j % 10 == 5:
                return "MISSING"
            return f"name{j}-v3" if j % 3 == 0 else f"name{j}-v2"

        rounds = 0
        deadline = time.time() + TIMEOUT
        while True:
            rounds += 1
            orders = order_round(bs, topics["orders"], f"r3.{rounds}")
            problems = check_round(reader, orders, final_name, apps, "after the restart")
            if not problems:
                break
            if time.time() > deadline:
                raise common.TestFailure(f"after the restart: {len(problems)} problems, e.g. {problems[:8]}")
        common.log(NAME, f"after the restart both instances see renames and deletes ({rounds} round(s))")
    finally:
        reader.close()

    for app in apps:
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"{app.name} exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
