#!/usr/bin/env python3
"""examples/order-reconcile against a real broker, with inputs produced by the
Python client (confluent_kafka), never by kstreams.

20,000 orders go to ORDER and ORDERNEW (4 partitions each, keyed by order id,
Kafka's default partitioner murmur2 on both, as two Java services would write
them), the new version at most 3 s of event time away from the old one. Most
pairs are equal; many of those are written differently (keys in another order,
other white space, 2.0 for 2), which must still match. Planted: versions that
differ in a value, orders only in ORDER, orders only in ORDERNEW, and malformed
records in both topics. Once the app has consumed everything (committed offsets
at the ends), one matching sentinel order per partition, far enough in the
future to close every window, is produced to both topics with an explicit
partition. Then reconcile-mismatches must hold exactly the planted ids, each with
the right status and versions, and nothing else; -invalid exactly the malformed
records. Scenarios (each on topics and an application id of its own):

  plain      one run, no duplicates allowed; the per-minute counts are checked
             too, with --counts-grace-ms covering the whole input: every count
             at most what Python computes for its window and status, and the
             shortfall over all windows equal to the records the app reports
             as dropped (results later than a window's grace: none expected)
  sigterm    the first half of the input is processed, the app is stopped with
             SIGTERM (exit 0), the second half produced and the app restarted
  sigkill    as sigterm, but the second half is produced while the app runs
             (both topics side by side, in chunks, as two live services write)
             and the app is killed with SIGKILL while it processes it, then
             restarted; duplicates are allowed (and reported), missing or
             extra ids are not

and a last check: ORDER with 4 partitions and ORDERNEW with 2 must make the app
exit non-zero at start-up with a message naming both topics ("Topics not
co-partitioned").

Run with /usr/bin/python3; see common.py for the environment
(KSTREAMS_IT_SCENARIOS picks scenarios, comma-separated)."""

import json
import os
import random
import re
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition  # noqa: E402

NAME = "order_reconcile"
PARTITIONS = 4
ORDERS = 20_000
CHANGED = 150
ONLY_OLD = 100
ONLY_NEW = 100
MALFORMED_PER_TOPIC = 15
T0 = 1_700_000_040_000  # a minute boundary
SPACING_MS = 30         # between consecutive orders: 20,000 orders span 10 minutes
JITTER_MS = 3_000       # the new version's time is the old one's +- this
WINDOW_MS = 60_000
GRACE_MS = 10_000
COUNT_WINDOW_MS = 60_000
COUNTS_GRACE_MS = 30 * 60_000
TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 120))
SCENARIOS = [s for s in os.environ.get("KSTREAMS_IT_SCENARIOS", "plain,sigterm,sigkill").split(",") if s]


def app_command():
    return common.program_command("KSTREAMS_ORDER_RECONCILE", "examples", "order-reconcile")


class ReconcileApp(common.Router):
    """One order-reconcile process (the Router machinery with its own flags)."""

    def __init__(self, name, bs, app_id, state_dir, old, new, output, counts, workdir, extra_args=()):
        self.name = name
        self.cmd = common._die_with_parent_prefix() + app_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--old", old, "--new", new, "--output", output, "--counts-output", counts,
            "--window-ms", str(WINDOW_MS), "--grace-ms", str(GRACE_MS), "--commit-interval-ms", "500",
            *extra_args,
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


# ------------------------------------------------------------------ input --


def dumps_reformatted(rng, order):
    """The same JSON value written differently: keys shuffled, other white
    space, integral quantities as floats (2.0 for 2)."""
    def shuffle(v):
        if isinstance(v, dict):
            keys = list(v)
            rng.shuffle(keys)
            return {k: shuffle(v[k]) for k in keys}
        if isinstance(v, list):
            return [shuffle(x) for x in v]
        if isinstance(v, int) and not isinstance(v, bool) and rng.random() < 0.5:
            return float(v)
        return v
    return json.dumps(shuffle(order), separators=rng.choice([(",", ":"), (", ", " : "), (" ,", ":  ")]),
                      indent=rng.choice([None, None, 2]))


def change(rng, order):
    """A version that differs in one value (or one field more or less)."""
    o = json.loads(json.dumps(order))
    kind = rng.randrange(5)
    if kind == 0:
        o["amount"] = round(o["amount"] + 0.01, 2)
    elif kind == 1:
        o["status"] = "cancelled" if o["status"] != "cancelled" else "paid"
    elif kind == 2:
        o["items"][0]["qty"] += 1
    elif kind == 3:
        o["coupon"] = "MIGRATION10"
    else:
        del o["currency"]
    return o


def generate(seed):
    """The input and what the app must find. Returns (old, new, planted, invalid, results):
    old/new: lists of (key bytes, value bytes, timestamp) in production order;
    planted: id -> (status, old dict or None, new dict or None);
    invalid: set of (topic side, key) of malformed records;
    results: list of (status, timestamp) of every join result and invalid record."""
    rng = random.Random(seed)
    ids = [f"ord-{i:06d}" for i in range(ORDERS)]
    special = rng.sample(range(ORDERS), CHANGED + ONLY_OLD + ONLY_NEW)
    changed = set(special[:CHANGED])
    only_old = set(special[CHANGED:CHANGED + ONLY_OLD])
    only_new = set(special[CHANGED + ONLY_OLD:])
    old, new, planted, results = [], [], {}, []
    for i, oid in enumerate(ids):
        ts = T0 + i * SPACING_MS
        order = {
            "id": oid,
            "customer": f"cust-{rng.randint(1, 3000)}",
            "amount": round(rng.uniform(1, 500), 2),
            "currency": rng.choice(["EUR", "USD", "GBP"]),
            "status": rng.choice(["paid", "shipped", "delivered", "cancelled"]),
            "items": [{"sku": f"sku-{rng.randint(1, 999)}", "qty": rng.randint(1, 5)}
                      for _ in range(rng.randint(1, 4))],
            "note": rng.choice(["", "gift", "caf\u00e9 \u2615", "rush \"asap\""]),
        }
        new_ts = ts + rng.randint(-JITTER_MS, JITTER_MS)
        key = oid.encode()
        if i in only_new:
            planted[oid] = ("missing-in-old", None, order)
            new.append((key, json.dumps(order).encode(), new_ts))
            results.append(("missing-in-old", new_ts))
            continue
        old.append((key, json.dumps(order).encode(), ts))
        if i in only_old:
            planted[oid] = ("missing-in-new", order, None)
            results.append(("missing-in-new", ts))
            continue
        if i in changed:
            other = change(rng, order)
            planted[oid] = ("mismatch", order, other)
            results.append(("mismatch", max(ts, new_ts)))
        else:
            other = order
            results.append(("match", max(ts, new_ts)))
        value = dumps_reformatted(rng, other) if rng.random() < 0.5 else json.dumps(other)
        new.append((key, value.encode(), new_ts))
    invalid = set()
    garbage = [b"not json", b'{"id": "x"', b"[1, 2, 3]", b"\xff\xfe{}", b'"an order"', b""]
    for side, records in (("old", old), ("new", new)):
        for n in range(MALFORMED_PER_TOPIC):
            pos = rng.randrange(len(records))
            key = f"bad-{side}-{n}"
            ts = records[pos][2]
            records.insert(pos, (key.encode(), rng.choice(garbage), ts))
            invalid.add((side, key))
            results.append(("invalid", ts))
    return old, new, planted, invalid, results


def produce(bs, topic, records, partition=None):
    """confluent_kafka, murmur2 (Java's default partitioner) unless a partition is given."""
    produce_segments(bs, [(topic, records)], partition)


def produce_side_by_side(bs, old_topic, old, new_topic, new, chunk=250):
    """Both topics written at once, as two live services would: alternating
    chunks of `chunk` orders, each delivered before the next is sent."""
    segments = []
    for i in range(0, max(len(old), len(new)), chunk):
        segments.append((old_topic, old[i:i + chunk]))
        segments.append((new_topic, new[i:i + chunk]))
    produce_segments(bs, segments, flush_each=True)


def produce_segments(bs, segments, partition=None, flush_each=False):
    # Kafka's default partitioner (murmur2) on both topics, as two Java services.
    common.produce_timestamped(bs, segments, partition, flush_each, {"partitioner": "murmur2_random"})


def sentinels(old, new):
    """Per partition, one order on both sides (it matches), later than every
    input by window + grace + 1 ms: it closes every window of its task."""
    ts = max(r[2] for r in old + new) + WINDOW_MS + GRACE_MS + 1
    out = []
    for p in range(PARTITIONS):
        value = json.dumps({"id": f"sentinel-{p}", "note": "closes the windows"}).encode()
        out.append((p, (f"sentinel-{p}".encode(), value, ts)))
    return out, ts


# ----------------------------------------------------------------- output --


class Reader:
    """Reads the mismatches, the invalid records and the counts from the beginning."""

    def __init__(self, bs, topics, inputs):
        self.topics = dict(topics, **inputs)  # name -> topic (inputs: for the source-topic header)
        self.consumer = Consumer({
            "bootstrap.servers": bs,
            "group.id": f"it-recon-reader-{common.run_id()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
        })
        self.consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING)
                              for t in topics.values() for p in range(PARTITIONS)])
        self.mismatches = {}   # id -> list of parsed values
        self.invalid = []      # (key, value, headers)
        self.counts = {}       # key -> latest count
        self.wrong = []

    def close(self):
        self.consumer.close()

    def poll(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            for m in self.consumer.consume(num_messages=5000, timeout=0.2):
                if m.error():
                    raise common.TestFailure(f"output consumer error: {m.error()}")
                self._take(m)

    def _take(self, m):
        key = m.key().decode() if m.key() is not None else None
        if m.topic() == self.topics["mismatches"]:
            try:
                value = json.loads(m.value())
            except (TypeError, ValueError):
                self.wrong.append(f"mismatch {key!r} is not JSON: {m.value()!r}")
                return
            self.mismatches.setdefault(key, []).append(value)
        elif m.topic() == self.topics["invalid"]:
            self.invalid.append((key, m.value(), dict(m.headers() or [])))
        else:
            if m.value() is None or len(m.value()) != 8:
                self.wrong.append(f"count {key!r} is not an Int64: {m.value()!r}")
                return
            self.counts[key] = int.from_bytes(m.value(), "big", signed=True)

    def at_end(self):
        """True when every assigned partition has been read to its end."""
        for tp in self.consumer.position(self.consumer.assignment()):
            low, high = self.consumer.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)
            pos = tp.offset if tp.offset >= 0 else low
            if pos < high:
                return False
        return True


def wait_consumed(name, bs, app_id, topics, apps, timeout):
    """Until the group's committed offsets on `topics` reach their ends."""
    deadline = time.time() + timeout
    last = time.time()
    while True:
        for a in apps:
            a.check_alive()
        lag = common.committed_lag(bs, app_id, topics, PARTITIONS)
        if lag == 0:
            return
        if time.time() > deadline:
            raise common.TestFailure(f"the app did not consume its input within {timeout}s (committed lag {lag})")
        if time.time() - last >= 10:
            last = time.time()
            common.log(name, f"waiting: committed lag {lag}")
        time.sleep(0.5)


def check_output(name, reader, planted, invalid, allow_duplicates):
    problems = list(reader.wrong[:10])
    found = set(reader.mismatches)
    expected = set(planted)
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    duplicates = sum(len(v) - 1 for v in reader.mismatches.values())
    if missing:
        problems.append(f"{len(missing)} planted mismatches not found (first: {missing[:10]})")
    if extra:
        problems.append(f"{len(extra)} ids reported that were not planted (first: "
                        f"{[(i, reader.mismatches[i][0].get('status')) for i in extra[:10]]})")
    wrong = []
    for oid in sorted(expected & found):
        status, old, new = planted[oid]
        want = {"id": oid, "status": status, "old": old, "new": new}
        for got in reader.mismatches[oid]:
            if got != want:
                wrong.append(f"{oid}: expected {want}, got {got}")
    if wrong:
        problems.append(f"{len(wrong)} mismatches with wrong content (first: {wrong[:3]})")
    if duplicates and not allow_duplicates:
        problems.append(f"{duplicates} duplicate mismatches in a run without a crash")
    side_of = {reader.topics["old"]: "old", reader.topics["new"]: "new"}
    got_invalid = [(side_of.get(h.get("source-topic", b"").decode(), "?"), k) for k, _, h in reader.invalid]
    no_error = [k for k, _, h in reader.invalid if not h.get("error")]
    if no_error:
        problems.append(f"invalid records without an 'error' header: {no_error[:10]}")
    want_invalid = set(invalid)
    if set(got_invalid) != want_invalid:
        problems.append(f"invalid records (source topic side, key): expected {sorted(want_invalid)}, "
                        f"got {sorted(set(got_invalid))}")
    invalid_duplicates = len(got_invalid) - len(set(got_invalid))
    if invalid_duplicates and not allow_duplicates:
        problems.append(f"{invalid_duplicates} duplicate invalid records in a run without a crash")
    by_status = {}
    for status, _, _ in planted.values():
        by_status[status] = by_status.get(status, 0) + 1
    line = (f"{name}: planted {len(expected)} mismatches {by_status}, found {len(found & expected)}, "
            f"missing {len(missing)}, extra {len(extra)}, duplicates {duplicates}; "
            f"invalid {len(set(got_invalid))} of {len(invalid)} ({invalid_duplicates} duplicates)")
    print(line, flush=True)
    if problems:
        raise common.TestFailure("; ".join(problems))
    return duplicates


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


def check_counts(name, reader, results, dropped):
    """Every count at most the expected one; the shortfall is what the app dropped."""
    expected = {}
    for status, ts in results:
        key = f"{iso(ts - ts % COUNT_WINDOW_MS)}/{status}"
        expected[key] = expected.get(key, 0) + 1
    problems = []
    unknown = sorted(set(reader.counts) - set(expected))
    if unknown:
        problems.append(f"count keys that should not exist: {unknown[:10]}")
    over = [(k, n, expected[k]) for k, n in reader.counts.items() if k in expected and n > expected[k]]
    if over:
        problems.append(f"counts above the expected ones (key, got, expected): {over[:10]}")
    shortfall = sum(expected.values()) - sum(n for k, n in reader.counts.items() if k in expected)
    print(f"{name}: counts: {len(reader.counts)} keys of {len(expected)}, {sum(reader.counts.values())} results "
          f"counted of {sum(expected.values())}, app dropped {dropped}", flush=True)
    if shortfall != dropped:
        problems.append(f"{shortfall} results missing from the counts, but the app dropped {dropped} records")
    if dropped:
        problems.append(f"{dropped} records dropped although the counts' grace covers the whole input")
    if problems:
        raise common.TestFailure("; ".join(problems))


def dropped_records(app):
    found = re.findall(r"closed; processed \d+, produced \d+, dropped (\d+) records", app.log_text())
    if not found:
        raise common.TestFailure(f"no closing summary in the app's log\n{app.log_tail()}")
    return int(found[-1])


# -------------------------------------------------------------- scenarios --


def scenario(h, bs, which):
    rid = f"{common.run_id()}-{which}"
    name = f"{NAME}[{which}]"
    old_topic, new_topic = f"it-recon-{rid}-ORDER", f"it-recon-{rid}-ORDERNEW"
    output, counts = f"it-recon-{rid}-mismatches", f"it-recon-{rid}-counts"
    app_id = f"it-recon-{rid}"
    common.create_topics(bs, [old_topic, new_topic], PARTITIONS)
    common.create_topics(bs, [output, output + "-invalid", counts], PARTITIONS)
    old, new, planted, invalid, results = generate(seed=1234)
    closing, closing_ts = sentinels(old, new)
    results += [("match", closing_ts)] * PARTITIONS
    common.log(name, f"{len(old)} records in {old_topic}, {len(new)} in {new_topic}, {len(planted)} planted "
                     f"mismatches, {len(invalid)} malformed")

    # The backlog is read unevenly across partitions (a fetch may bring a whole
    # partition), so one partition's results can be minutes of event time behind
    # another's: the plain run gives the counts a grace that covers the whole input.
    # It also purges the repartition topic every second (checked at the end).
    extra = ["--counts-grace-ms", str(COUNTS_GRACE_MS), "--config", "repartition.purge.interval.ms=1000"] \
        if which == "plain" else []
    app = ReconcileApp(f"order-reconcile-{which}", bs, app_id, os.path.join(h.tmp, f"state-{which}"),
                       old_topic, new_topic, output, counts, h.tmp, extra)
    h.routers.append(app)
    reader = Reader(bs, {"mismatches": output, "invalid": output + "-invalid", "counts": counts},
                    {"old": old_topic, "new": new_topic})
    statuses = f"{app_id}-reconcile-statuses-repartition"
    try:
        if which == "plain":
            produce(bs, old_topic, old)
            produce(bs, new_topic, new)
            app.start()
        else:
            half_old, half_new = len(old) // 2, len(new) // 2
            produce(bs, old_topic, old[:half_old])
            produce(bs, new_topic, new[:half_new])
            app.start()
            wait_consumed(name, bs, app_id, [old_topic, new_topic], [app], TIMEOUT)
            reader.poll(1)
            before = sum(len(v) for v in reader.mismatches.values())
            if which == "sigterm":
                code = app.terminate(60)
                if code != 0:
                    raise common.TestFailure(f"exit code {code} after SIGTERM (expected 0)\n{app.log_tail()}")
                common.log(name, f"first half consumed, {before} mismatches out; stopped with SIGTERM")
                produce(bs, old_topic, old[half_old:])
                produce(bs, new_topic, new[half_new:])
            else:
                # Written while the app runs: both sides at once, as the two
                # services would. (All of ORDER's half before any of ORDERNEW's
                # would make a caught-up task, max.task.idle.ms 0, report old
                # orders as missing-in-new, as Kafka Streams would too.)
                produce_side_by_side(bs, old_topic, old[half_old:], new_topic, new[half_new:])
                # Kill while it works on the second half (or as soon as it has done any of it).
                total = len(old) + len(new) - half_old - half_new
                deadline = time.time() + TIMEOUT
                while True:
                    app.check_alive()
                    lag = common.committed_lag(bs, app_id, [old_topic, new_topic], PARTITIONS)
                    if lag is not None and lag < total:
                        break
                    if time.time() > deadline:
                        raise common.TestFailure("the app made no progress on the second half")
                    time.sleep(0.05)
                app.kill()
                common.log(name, f"first half consumed ({before} mismatches out), killed with SIGKILL at "
                                 f"committed lag {lag} of {total} of the second half")
            app.start()
        wait_consumed(name, bs, app_id, [old_topic, new_topic], [app], TIMEOUT)
        for partition, record in closing:
            produce(bs, old_topic, [record], partition)
            produce(bs, new_topic, [record], partition)
        common.log(name, "input consumed; produced the closing sentinels")
        wait_consumed(name, bs, app_id, [old_topic, new_topic, statuses], [app], TIMEOUT)
        if which == "plain" and common.wait_purged(name, bs, app_id, statuses, PARTITIONS, 30) == 0:
            raise common.TestFailure(f"{statuses}: no record purged")
        # Output is flushed before offsets are committed: read it to its end.
        deadline = time.time() + 60
        reader.poll(1)
        while not reader.at_end():
            if time.time() > deadline:
                raise common.TestFailure("could not read the output to its end within 60 s")
            reader.poll(0.5)
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"exit code {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        duplicates = check_output(name, reader, planted, invalid, allow_duplicates=(which == "sigkill"))
        if which == "plain":
            check_counts(name, reader, results, dropped_records(app))
        common.log(name, f"PASS ({duplicates} duplicates)")
    finally:
        reader.close()


def not_copartitioned(h, bs):
    rid = common.run_id()
    name = f"{NAME}[co-partitioning]"
    old_topic, new_topic = f"it-recon-{rid}-cp-ORDER", f"it-recon-{rid}-cp-ORDERNEW"
    common.create_topics(bs, [old_topic], 4)
    common.create_topics(bs, [new_topic], 2)
    app = ReconcileApp("order-reconcile-copartition", bs, f"it-recon-{rid}-cp", os.path.join(h.tmp, "state-cp"),
                       old_topic, new_topic, f"it-recon-{rid}-cp-out", f"it-recon-{rid}-cp-counts", h.tmp)
    h.routers.append(app)
    app.start()
    try:
        code = app.proc.wait(60)
    except Exception:  # noqa: BLE001
        app.kill()
        raise common.TestFailure("the app did not exit within 60 s with inputs of 4 and 2 partitions")
    text = app.log_text()
    problems = []
    if code == 0:
        problems.append("exit code 0")
    for needle in ("not co-partitioned", old_topic, new_topic):
        if needle not in text:
            problems.append(f"no {needle!r} in its output")
    if problems:
        raise common.TestFailure("inputs of 4 and 2 partitions: " + "; ".join(problems) + f"\n{app.log_tail()}")
    message = next(l for l in text.splitlines() if "not co-partitioned" in l)
    common.log(name, f"PASS: exit code {code}: {message.strip()}")


def body(h):
    bs = common.bootstrap_servers()
    unknown = sorted(set(SCENARIOS) - {"plain", "sigterm", "sigkill", "co-partitioning"})
    if unknown:
        raise common.TestFailure(f"unknown scenarios in KSTREAMS_IT_SCENARIOS: {unknown}")
    common.log(NAME, f"broker {bs}, scenarios {SCENARIOS} + co-partitioning")
    failures = []
    for which in SCENARIOS + ([] if "co-partitioning" in SCENARIOS else ["co-partitioning"]):
        try:
            if which == "co-partitioning":
                not_copartitioned(h, bs)
            else:
                scenario(h, bs, which)
        except common.TestFailure as e:
            common.log(NAME, f"{which}: FAIL: {e}")
            failures.append(which)
        for r in h.routers:
            r.kill()
    if failures:
        raise common.TestFailure(f"scenarios failed: {failures} (see above)")


if __name__ == "__main__":
    sys.exit(common.main(NAME, body, hard_timeout=540))
