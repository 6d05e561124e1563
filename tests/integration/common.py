"""Shared helpers for the log-router and word-count integration tests.

Environment:
  KSTREAMS_BUILD_DIR    build directory holding examples/log-router (default <repo>/build)
  KSTREAMS_BOOTSTRAP    bootstrap servers; when unset, scripts/kafka start is run
  KSTREAMS_LOG_ROUTER   command line to run instead of <build>/examples/log-router
                        (split with shlex; for trying the harness on another router)
  KSTREAMS_WORD_COUNT   the same for <build>/examples/word-count
  KSTREAMS_IT_KEEP      if set, keep the temporary directory (router logs, state)

Run the tests with /usr/bin/python3 (Debian's python3-confluent-kafka).
"""

import json
import os
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

REPO = Path(__file__).resolve().parents[2]
BUCKETS = ("2xx", "3xx", "4xx", "5xx", "invalid")

# ------------------------------------------------------------------ basics --


def log(name, msg):
    print(f"{name}: {msg}", flush=True)


def build_dir():
    return Path(os.environ.get("KSTREAMS_BUILD_DIR") or REPO / "build")


def program_command(env_var, *path):
    """The command line of a program the tests run: $env_var (split like a
    shell would) when set, else the built binary at <build dir>/<path...>."""
    override = os.environ.get(env_var)
    if override:
        return shlex.split(override)
    binary = build_dir().joinpath(*path)
    if not os.access(binary, os.X_OK):
        raise TestFailure(f"{binary} not found or not executable (build the {path[-1]} target first)")
    return [str(binary)]


def router_command():
    return program_command("KSTREAMS_LOG_ROUTER", "examples", "log-router")


def bootstrap_servers():
    bs = os.environ.get("KSTREAMS_BOOTSTRAP")
    if bs:
        return bs
    script = REPO / "scripts" / "kafka"
    proc = subprocess.run([str(script), "start"], stdout=subprocess.PIPE, text=True, timeout=900)
    if proc.returncode != 0:
        raise TestFailure(f"scripts/kafka start failed with exit code {proc.returncode}")
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if not lines or not lines[-1].startswith("bootstrap.servers="):
        raise TestFailure(f"unexpected output from scripts/kafka start: {proc.stdout!r}")
    return lines[-1].split("=", 1)[1].strip()


class TestFailure(Exception):
    pass


def run_id():
    return f"{int(time.time())}-{os.getpid()}"


# ------------------------------------------------------------------ topics --


def admin_client(bs):
    return AdminClient({"bootstrap.servers": bs})


def create_topics(bs, names, partitions, timeout=60):
    """Creates the topics with retention.ms=-1: the tests' records carry fixed
    event times years in the past, which a broker's time-based retention would
    delete within its next retention check (every 5 minutes), mid-test."""
    admin = admin_client(bs)
    futures = admin.create_topics([NewTopic(n, partitions, 1, config={"retention.ms": "-1"}) for n in names],
                                  request_timeout=30)
    for name, fut in futures.items():
        fut.result(timeout=timeout)
    # Wait until the metadata shows every topic with all its partitions led.
    deadline = time.time() + timeout
    while True:
        md = admin.list_topics(timeout=10)
        ready = all(
            n in md.topics
            and md.topics[n].error is None
            and len(md.topics[n].partitions) == partitions
            and all(p.leader >= 0 for p in md.topics[n].partitions.values())
            for n in names
        )
        if ready:
            return
        if time.time() > deadline:
            raise TestFailure(f"topics {names} not ready after {timeout}s")
        time.sleep(0.2)


def output_topics(prefix):
    return {b: f"{prefix}-{b}" for b in BUCKETS}


# ------------------------------------------------------- event generation --
#
# Each event is a dict: key (str), value (bytes), expect ("drop", a bucket),
# and for routed events "out" (the expected parsed output object).

METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
STATUSES = (
    [200] * 30 + [201, 202, 204, 206, 299]
    + [301, 302, 304, 304, 307, 308, 300, 399]
    + [400, 401, 403, 404, 404, 404, 405, 409, 413, 429, 499]
    + [500, 502, 503, 503, 504, 599]
)
PATHS = [
    "/", "/index.html", "/api/v1/users", "/api/v1/users/42", "/api/v1/orders?page=3&size=50",
    "/static/app.js", "/static/style.css", "/login", "/logout?next=%2F", "/search?q=kafka+streams",
    "/health/db", "/healthcheck", "/api/health", "/healthy", "/healthz/ready", "/status?health",
    "/caf\u00e9/men\u00fc", "/\u65e5\u672c\u8a9e", "/a?b=/health", "/x\"quoted\"\\back",
]
HEALTH_PATHS = ["/health", "/healthz", "/health?probe=k8s", "/healthz?verbose=1", "/health?", "/healthz?a=b?c"]
AGENTS = ["curl/8.1", "Mozilla/5.0 (X11; Linux x86_64)", "kube-probe/1.29", "Go-http-client/1.1", ""]


def random_ipv4(rng):
    r = rng.random()
    if r < 0.02:
        return rng.choice(["0.0.0.0", "255.255.255.255", "10.1.2.77", "127.0.0.1", "10.1.2.0", "192.168.0.255"])
    return ".".join(str(rng.randint(1 if i == 0 else 0, 255)) for i in range(4))


def mask_ipv4(ip):
    parts = ip.split(".")
    assert len(parts) == 4
    return ".".join(parts[:3] + ["0"])


def _valid_obj(rng, seq, path=None, status=None):
    obj = {
        "ts": 1_700_000_000_000 + seq * 7 + rng.randint(0, 5),
        "ip": random_ipv4(rng),
        "method": rng.choice(METHODS),
        "path": path if path is not None else rng.choice(PATHS),
        "status": status if status is not None else rng.choice(STATUSES),
        "bytes": rng.choice([0, rng.randint(1, 2000), rng.randint(2000, 5_000_000), 2**40 + seq]),
        "seq": seq,
    }
    r = rng.random()
    if r < 0.3:
        obj["ua"] = rng.choice(AGENTS)
    elif r < 0.35:
        obj["meta"] = {"region": rng.choice(["eu", "us"]), "tags": [seq % 7, "t"], "cached": rng.random() < 0.5,
                       "ref": None}
    return obj


def _order_keys(rng, obj):
    items = list(obj.items())
    rng.shuffle(items)
    return dict(items)


def _malformed(rng, seq):
    """Returns (value bytes, kind) of an input that must go to -invalid."""
    base = _valid_obj(rng, seq)
    kind = rng.choice([
        "not-json", "truncated", "binary", "array", "string", "number", "json-null", "bool",
        "missing", "missing", "wrong-type", "wrong-type", "wrong-type",
        "status-range", "status-range", "bad-ip", "bad-ip", "bad-ip",
    ])
    if kind == "not-json":
        return rng.choice([b"GET /index.html 200", b"hello world", b"{ts: 1, ip: 10.0.0.1}",
                           b"{'ts': 1}", f"line {seq} of garbage".encode()]), kind
    if kind == "truncated":
        text = json.dumps(base)
        return text[: rng.randint(1, len(text) - 1)].encode(), kind
    if kind == "binary":
        return bytes([0xFF, 0xFE, 0x00, 0x7B]) + f"seq{seq}".encode() + b"\x80\x81", kind
    if kind == "array":
        return json.dumps([base]).encode(), kind
    if kind == "string":
        return json.dumps(json.dumps(base)).encode(), kind
    if kind == "number":
        return str(seq).encode(), kind
    if kind == "json-null":
        return b"null", kind
    if kind == "bool":
        return b"true", kind
    if kind == "missing":
        del base[rng.choice(["ts", "ip", "method", "path", "status", "bytes"])]
        return json.dumps(base).encode(), kind
    if kind == "wrong-type":
        field, bad = rng.choice([
            ("ts", str(base["ts"])), ("ts", None), ("ts", 1.5), ("ip", 167772161), ("ip", None),
            ("method", 1), ("method", None), ("path", ["/"]), ("path", {"p": "/"}),
            ("status", str(base["status"])), ("status", True), ("status", None), ("status", 404.5),
            ("bytes", "12"), ("bytes", False), ("bytes", [1]),
        ])
        base[field] = bad
        return json.dumps(base).encode(), kind
    if kind == "status-range":
        base["status"] = rng.choice([0, -1, 100, 199, 600, 999, 1000, 2000])
        return json.dumps(base).encode(), kind
    base["ip"] = rng.choice(["::1", "2001:db8::7", "300.1.2.3", "1.2.3", "1.2.3.4.5", "a.b.c.d", "",
                             "10.0.0.256", "10.0.0.", ".1.2.3", "localhost", "1..2.3", "10.0.0.1 "])
    return json.dumps(base).encode(), "bad-ip"


def generate_events(n, seed, health_rate=0.05, malformed_rate=0.01, text_only=()):
    """Generates n events with keys '<prefix>NNNNNNN'. Indices in text_only get
    values without newlines and non-UTF-8 bytes (they go through kcat)."""
    rng = random.Random(seed)
    text_only = set(text_only)
    events = []
    for seq in range(n):
        key = f"k{seq:07d}"
        r = rng.random()
        if r < malformed_rate:
            while True:
                value, kind = _malformed(rng, seq)
                if seq not in text_only or (b"\n" not in value and kind != "binary"):
                    break
            ev = {"key": key, "value": value, "expect": "invalid", "kind": kind}
        elif r < malformed_rate + health_rate:
            obj = _order_keys(rng, _valid_obj(rng, seq, path=rng.choice(HEALTH_PATHS)))
            ev = {"key": key, "value": json.dumps(obj, ensure_ascii=rng.random() < 0.5).encode(),
                  "expect": "drop", "kind": "health"}
        else:
            obj = _order_keys(rng, _valid_obj(rng, seq))
            out = dict(obj)
            out["ip"] = mask_ipv4(obj["ip"])
            bucket = f"{obj['status'] // 100}xx"
            ev = {"key": key, "value": json.dumps(obj, ensure_ascii=rng.random() < 0.5).encode(),
                  "expect": bucket, "out": out, "kind": "valid"}
        events.append(ev)
    for ev in events:
        # An independent check of the generator against the contract.
        want = classify(ev["value"])
        if want != ev["expect"]:
            raise AssertionError(f"generator bug: {ev['key']} {ev['value']!r} labelled {ev['expect']}, "
                                 f"contract says {want}")
    return events


def classify(value):
    """The log-router contract, written independently of the router: returns
    'drop', 'invalid' or the status bucket."""
    try:
        obj = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "invalid"
    if not isinstance(obj, dict):
        return "invalid"
    for f in ("ts", "status", "bytes"):
        if f not in obj or not isinstance(obj[f], int) or isinstance(obj[f], bool):
            return "invalid"
    for f in ("ip", "method", "path"):
        if f not in obj or not isinstance(obj[f], str):
            return "invalid"
    if not 200 <= obj["status"] <= 599:
        return "invalid"
    parts = obj["ip"].split(".")
    if len(parts) != 4 or not all(p.isdigit() and p.isascii() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return "invalid"
    if obj["path"].split("?", 1)[0] in ("/health", "/healthz"):
        return "drop"
    return f"{obj['status'] // 100}xx"


def summarize_events(events):
    counts = {}
    for ev in events:
        counts[ev["expect"]] = counts.get(ev["expect"], 0) + 1
    return counts


# ---------------------------------------------------------------- producing --


def produce_python(bs, topic, events, rate=None, stop_event=None):
    """Produces events with confluent_kafka; rate is events/s (None: as fast as possible)."""
    p = Producer({
        "bootstrap.servers": bs,
        "acks": "all",
        "linger.ms": 20,
        "enable.idempotence": True,
        "queue.buffering.max.messages": 200000,
        "compression.type": "lz4",
    })
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)

    start = time.time()
    for i, ev in enumerate(events):
        if stop_event is not None and stop_event.is_set():
            break
        while True:
            try:
                p.produce(topic, key=ev["key"].encode(), value=ev["value"], on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        if i % 1000 == 0:
            p.poll(0)
            if rate:
                ahead = (i + 1) / rate - (time.time() - start)
                if ahead > 0:
                    time.sleep(ahead)
    remaining = p.flush(60)
    if remaining or errors:
        raise TestFailure(f"producer: {remaining} undelivered, errors: {errors[:5]}")
    return len(events)


def produce_kcat(bs, topic, events):
    """Produces events with kcat -P -K: (a second, independent client)."""
    lines = []
    for ev in events:
        assert b"\n" not in ev["value"] and ":" not in ev["key"]
        lines.append(ev["key"].encode() + b":" + ev["value"] + b"\n")
    proc = subprocess.run(
        ["kcat", "-P", "-b", bs, "-t", topic, "-K:", "-X", "acks=all", "-X", "linger.ms=20"],
        input=b"".join(lines), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
    )
    if proc.returncode != 0:
        raise TestFailure(f"kcat -P failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return len(events)


class BackgroundProducer(threading.Thread):
    def __init__(self, bs, topic, events, rate=None):
        super().__init__(daemon=True)
        self.args = (bs, topic, events, rate)
        self.stop_event = threading.Event()
        self.error = None
        self.done = False

    def run(self):
        try:
            bs, topic, events, rate = self.args
            produce_python(bs, topic, events, rate=rate, stop_event=self.stop_event)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
        finally:
            self.done = True


def count_kcat(bs, topic, timeout=120):
    """Counts the records of a topic with kcat -C -e."""
    proc = subprocess.run(
        ["kcat", "-C", "-b", bs, "-t", topic, "-e", "-q", "-o", "beginning", "-f", "%k\n"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
    )
    if proc.returncode != 0:
        raise TestFailure(f"kcat -C failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc.stdout.count(b"\n")


# ------------------------------------------------------------------ router --


def _die_with_parent_prefix():
    """A command prefix that makes the router die with the test process, even
    if the test is SIGKILLed (PR_SET_PDEATHSIG, set by util-linux setpriv
    right before it execs the router)."""
    if shutil.which("setpriv"):
        return ["setpriv", "--pdeathsig", "KILL", "--"]
    return []


class Router:
    """One log-router process."""

    def __init__(self, name, bs, app_id, state_dir, input_topic, prefix, workdir, extra_args=()):
        self.name = name
        self.cmd = _die_with_parent_prefix() + router_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--input", input_topic, "--output-prefix", prefix, *extra_args,
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        logf = open(self.log_path, "ab")
        logf.write(f"==== start #{self.starts}: {shlex.join(self.cmd)}\n".encode())
        logf.flush()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise TestFailure(f"{self.name} exited unexpectedly with code {self.proc.returncode}\n{self.log_tail()}")

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def terminate(self, timeout=60):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def log_tail(self, n=30):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return f"({self.log_path} unreadable)"
        return "\n".join(f"  [{self.name}] {l}" for l in lines[-n:])


# ------------------------------------------------------------------ output --


class OutputReader:
    """Reads every output topic from the beginning and checks each record
    against the expected events as it arrives."""

    def __init__(self, bs, prefix, events, partitions):
        self.topics = output_topics(prefix)
        self.by_key = {ev["key"]: ev for ev in events}
        self.expected_total = sum(1 for ev in events if ev["expect"] != "drop")
        self.seen = {}           # key -> number of times seen
        self.per_topic = {b: 0 for b in BUCKETS}
        self.wrong = []          # descriptions of wrong records (first few kept)
        self.wrong_count = 0
        self.duplicates = 0
        self.total = 0
        self.reported = False    # the summary line was printed
        self.distinct = 0        # distinct expected (not dropped) keys seen
        self.consumer = Consumer({
            "bootstrap.servers": bs,
            "group.id": f"it-reader-{run_id()}-{prefix}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
            "fetch.max.bytes": 52428800,
        })
        self.consumer.assign([
            TopicPartition(t, p, OFFSET_BEGINNING) for t in self.topics.values() for p in range(partitions)
        ])
        self.bucket_of_topic = {t: b for b, t in self.topics.items()}

    def close(self):
        try:
            self.consumer.close()
        except Exception:  # noqa: BLE001
            pass

    def _wrong(self, msg):
        self.wrong_count += 1
        if len(self.wrong) < 20:
            self.wrong.append(msg)

    def _check(self, msg):
        bucket = self.bucket_of_topic[msg.topic()]
        self.per_topic[bucket] += 1
        self.total += 1
        key = msg.key().decode("utf-8", errors="replace") if msg.key() is not None else None
        ev = self.by_key.get(key)
        if ev is None:
            self._wrong(f"unknown key {key!r} in {msg.topic()}")
            return
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        if n > 0:
            self.duplicates += 1
            return
        if ev["expect"] != "drop":
            self.distinct += 1
        if ev["expect"] == "drop":
            self._wrong(f"health check {key} was not dropped: found in {msg.topic()}")
            return
        if bucket != ev["expect"]:
            self._wrong(f"{key} expected in -{ev['expect']}, found in {msg.topic()}: {msg.value()!r}")
            return
        if bucket == "invalid":
            if msg.value() != ev["value"]:
                self._wrong(f"{key} invalid record changed: {ev['value']!r} -> {msg.value()!r}")
                return
            headers = dict(msg.headers() or [])
            err = headers.get("error")
            if not err:
                self._wrong(f"{key} in -invalid without an 'error' header (headers {msg.headers()!r})")
            return
        try:
            got = json.loads(msg.value())
        except (TypeError, ValueError):
            self._wrong(f"{key} output is not JSON: {msg.value()!r}")
            return
        if got != ev["out"]:
            self._wrong(f"{key} wrong content: expected {ev['out']!r}, got {got!r}")

    def poll(self, seconds):
        """Reads for up to `seconds`; returns the number of records read."""
        end = time.time() + seconds
        read = 0
        while True:
            left = end - time.time()
            if left <= 0:
                break
            msgs = self.consumer.consume(num_messages=5000, timeout=min(left, 0.5))
            for m in msgs:
                if m.error():
                    raise TestFailure(f"output consumer error: {m.error()}")
                self._check(m)
            read += len(msgs)
        return read

    def complete(self):
        """True when every expected (not dropped) event was seen at least once."""
        return self.distinct_expected_seen() >= self.expected_total

    def distinct_expected_seen(self):
        return self.distinct

    def missing_keys(self):
        return [ev["key"] for ev in self.by_key.values() if ev["expect"] != "drop" and ev["key"] not in self.seen]

    def wait_for(self, predicate, timeout, routers=(), what="output", name="test", progress_every=10):
        """Reads until predicate() holds or timeout; fails if a router dies."""
        deadline = time.time() + timeout
        last = time.time()
        while not predicate():
            for r in routers:
                r.check_alive()
            if time.time() > deadline:
                return False
            self.poll(0.5)
            if time.time() - last >= progress_every:
                last = time.time()
                log(name, f"waiting for {what}: {self.distinct_expected_seen()}/{self.expected_total} distinct "
                          f"records, {self.total} read")
        return True

    def report(self, name, produced, dropped):
        self.reported = True
        missing = self.missing_keys()
        routed = sum(1 for k in self.seen if self.by_key.get(k, {}).get("expect") in ("2xx", "3xx", "4xx", "5xx"))
        invalid = sum(1 for k in self.seen if self.by_key.get(k, {}).get("expect") == "invalid")
        line = (f"{name}: {produced} produced, {routed} routed, {invalid} invalid, {dropped} dropped, "
                f"{len(missing)} missing, {self.wrong_count} wrong, {self.duplicates} duplicates")
        return line, missing


# ------------------------------------------------------------ test harness --


class Harness:
    """Owns the temp dir, the routers and the output reader, and tears them
    all down on exit, on failure, on SIGTERM/SIGINT and on the hard timeout."""

    def __init__(self, name, hard_timeout):
        self.name = name
        self.routers = []
        self.readers = []
        self.producers = []
        self.keep = bool(os.environ.get("KSTREAMS_IT_KEEP"))
        self.tmp = tempfile.mkdtemp(prefix=f"kstreams-{name}-")
        self.hard_timeout = int(os.environ.get("KSTREAMS_IT_TIMEOUT", hard_timeout))
        self.started = time.time()

    def __enter__(self):
        def on_alarm(signum, frame):
            raise TestFailure(f"hard timeout of {self.hard_timeout}s reached")

        def on_term(signum, frame):
            raise TestFailure(f"interrupted by signal {signum}")

        signal.signal(signal.SIGALRM, on_alarm)
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
        signal.alarm(self.hard_timeout)
        return self

    def router(self, *args, **kwargs):
        r = Router(*args, workdir=self.tmp, **kwargs)
        self.routers.append(r)
        return r

    def reader(self, *args, **kwargs):
        r = OutputReader(*args, **kwargs)
        self.readers.append(r)
        return r

    def background_producer(self, *args, **kwargs):
        p = BackgroundProducer(*args, **kwargs)
        self.producers.append(p)
        return p

    def elapsed(self):
        return time.time() - self.started

    def __exit__(self, exc_type, exc, tb):
        signal.alarm(0)
        for p in self.producers:
            p.stop_event.set()
        for r in self.routers:
            r.kill()
        for p in self.producers:
            p.join(10)
        for rd in self.readers:
            rd.close()
        if exc_type is not None:
            for rd in self.readers:
                if not rd.reported:
                    produced = len(rd.by_key)
                    dropped = produced - rd.expected_total
                    print(rd.report(self.name, produced, dropped)[0] + " (so far)", flush=True)
            for r in self.routers:
                print(f"---- last lines of {r.name}'s log ({r.log_path}) ----", file=sys.stderr)
                print(r.log_tail(40), file=sys.stderr)
        if self.keep or exc_type is not None:
            print(f"{self.name}: temporary files kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def main(name, body, hard_timeout=540):
    """Runs body(harness) and turns the outcome into an exit code."""
    try:
        with Harness(name, hard_timeout) as h:
            body(h)
            log(name, f"PASS in {h.elapsed():.1f}s")
            return 0
    except TestFailure as e:
        print(f"{name}: FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except KafkaException as e:
        print(f"{name}: FAIL: Kafka error: {e}", file=sys.stderr, flush=True)
        return 1


def check_results(name, reader, produced, dropped, allow_duplicates):
    line, missing = reader.report(name, produced, dropped)
    print(line, flush=True)
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (first: {missing[:10]})")
    if reader.wrong_count:
        problems.append(f"{reader.wrong_count} wrong:\n  " + "\n  ".join(reader.wrong))
    if reader.duplicates and not allow_duplicates:
        problems.append(f"{reader.duplicates} duplicates")
    if problems:
        raise TestFailure("; ".join(problems))


# ====================================================== word-count helpers ==
#
# For the examples/word-count tests. Environment (besides the above):
#   KSTREAMS_WORD_COUNT   command line to run instead of <build>/examples/word-count


def word_count_command():
    return program_command("KSTREAMS_WORD_COUNT", "examples", "word-count")


_WORD_SEPARATORS = re.compile(rb"[^a-zA-Z0-9_]+")


def java_split_words(line):
    """The words of one input value (bytes or str), as Java's
    `line.toLowerCase().split("\\W+")` for the word-count contract: ASCII
    letters lower-cased, split on runs of characters other than [a-zA-Z0-9_]
    (every byte of a multi-byte UTF-8 character is such a character), a leading
    separator gives a leading "", trailing "" are dropped, "" gives [""], and a
    line of separators only gives []."""
    if isinstance(line, str):
        line = line.encode("utf-8")
    if not line:
        return [""]
    parts = _WORD_SEPARATORS.split(line.lower())  # bytes.lower(): ASCII only
    while parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("ascii") for p in parts]


def check_java_split():
    """Checks java_split_words on the edge cases of Java's String.split."""
    cases = [
        (b"", [""]),
        (b" ", []),
        (b"!!!", []),
        (b",.;-", []),
        (b"a", ["a"]),
        (b"Hello World", ["hello", "world"]),
        (b"HELLO, hello; HeLLo!", ["hello", "hello", "hello"]),
        (b",a", ["", "a"]),
        (b"  leading spaces", ["", "leading", "spaces"]),
        (b"a,", ["a"]),
        (b"a,,b,,", ["a", "b"]),
        (b",a,,b,,", ["", "a", "b"]),
        (b"under_score x-y 4you", ["under_score", "x", "y", "4you"]),
        (b"tab\tnew\rline", ["tab", "new", "line"]),
        ("caf\u00e9 na\u00efve".encode(), ["caf", "na", "ve"]),
        ("\u00c4BC".encode(), ["", "bc"]),
        ("\u65e5\u672c\u8a9e".encode(), []),
        ("x\u00e9".encode(), ["x"]),
        (b"__", ["__"]),
        (b"0", ["0"]),
    ]
    for line, want in cases:
        got = java_split_words(line)
        if got != want:
            raise AssertionError(f"java_split_words({line!r}) = {got!r}, want {want!r}")
    return len(cases)


# A few thousand words: letters, digits and underscores, 1 to 12 characters.
def word_vocabulary(size, seed):
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    words = set(["a", "i", "the", "kafka", "streams", "_", "0", "42", "x_1"])
    while len(words) < size:
        n = rng.choice([1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9, 10, 12])
        r = rng.random()
        if r < 0.9:
            w = "".join(rng.choice(alphabet) for _ in range(n))
        elif r < 0.95:
            w = "".join(rng.choice(alphabet + "0123456789") for _ in range(n))
        else:
            w = "".join(rng.choice(alphabet + "_") for _ in range(n))
        words.add(w)
    return sorted(words)


_SEPARATORS = [" "] * 30 + [", ", ". ", "; ", ": ", "! ", "? ", " - ", "-", "'", "\"", " (", ") ", "/",
                            "\\", "  ", "\t", " & ", "...", " -- ", "@", "#", "$", "%", "*", "+", "=",
                            "<", ">", "|", "~", "`", "[", "]", "{", "}", " \u00e9 ", "\u00fc", "\u2014",
                            " \u65e5\u672c ", "\u00a0", " \U0001F600 ", "\u00df", "\r", "\x00", "\x7f"]
_LEADING = ["!", "...", " ", "\"", "(", "-- ", "\u00bf", "# ", "\t", "\u2014"]
_TRAILING = [".", "!", "?", "...", " ", ";", ")", "\"", " \u00e9"]


def _vary_case(rng, w):
    r = rng.random()
    if r < 0.6:
        return w
    if r < 0.8:
        return w.capitalize()
    if r < 0.9:
        return w.upper()
    return "".join(c.upper() if rng.random() < 0.5 else c for c in w)


def generate_lines(n, seed, vocabulary, allow_empty=True, invalid_utf8=False):
    """n text lines (str, no newlines) of random words from `vocabulary` with
    mixed case and punctuation; some empty, some of separators only, some
    starting with punctuation, a few long ones. With allow_empty False there
    are no empty lines (kcat -P skips them). With invalid_utf8 a few lines are
    bytes holding invalid UTF-8 (separators to the word-count contract)."""
    rng = random.Random(seed)
    lines = []
    choice = rng.choice
    rand = rng.random
    for _ in range(n):
        r = rand()
        if r < 0.001:
            words = [_vary_case(rng, choice(vocabulary)) for _ in range(rng.randint(50, 400))]
            lines.append(" ".join(words) if rand() < 0.5 else "_".join(words[:40]) + ", " + " ".join(words))
            continue
        if invalid_utf8 and r < 0.002:
            junk = [b"\xff", b"\xfe\xfe", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]
            words = [choice(vocabulary).encode() for _ in range(rng.randint(1, 6))]
            lines.append(b"".join(w + choice(junk) for w in words) + (choice(junk) if rand() < 0.5 else b""))
            continue
        if r < 0.01:
            lines.append("" if allow_empty else choice(["...", " "]))
            continue
        if r < 0.015:
            lines.append(choice(["!!!", " ", "-- ", "\u00e9\u00e8", "...?", "\t\t"]))
            continue
        parts = []
        if rand() < 0.08:
            parts.append(choice(_LEADING))
        k = rng.randint(1, 9)
        for j in range(k):
            if j:
                parts.append(choice(_SEPARATORS))
            w = choice(vocabulary)
            parts.append(w if rand() < 0.6 else _vary_case(rng, w))
        if rand() < 0.3:
            parts.append(choice(_TRAILING))
        lines.append("".join(parts))
    return lines


def count_words(lines, counts=None):
    """Expected word counts of the lines (a dict word -> count, added to `counts`)."""
    from collections import Counter
    c = Counter() if counts is None else counts
    for line in lines:
        c.update(java_split_words(line))
    return c


def produce_lines_python(bs, topic, lines, seed=0, rate=None, stop_event=None):
    """Produces lines as values with confluent_kafka; keys are ignored by
    word-count, so they are a mix of null and random strings. rate is lines/s
    (None: as fast as possible)."""
    rng = random.Random(seed)
    p = Producer({
        "bootstrap.servers": bs,
        "acks": "all",
        "linger.ms": 20,
        "enable.idempotence": True,
        "queue.buffering.max.messages": 500000,
        "compression.type": "lz4",
    })
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)

    start = time.time()
    for i, line in enumerate(lines):
        key = None if rng.random() < 0.5 else f"k{i}".encode()
        value = line if isinstance(line, bytes) else line.encode("utf-8")
        while True:
            try:
                p.produce(topic, key=key, value=value, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        if i % 1000 == 0:
            p.poll(0)
            if stop_event is not None and stop_event.is_set():
                break
            if rate:
                ahead = (i + 1) / rate - (time.time() - start)
                if ahead > 0:
                    time.sleep(ahead)
    remaining = p.flush(120)
    if remaining or errors:
        raise TestFailure(f"producer: {remaining} undelivered, errors: {errors[:5]}")
    return len(lines)


def produce_lines_kcat(bs, topic, lines):
    """Produces lines (no empty ones: kcat skips them) with kcat -P, null keys."""
    data = []
    for line in lines:
        assert line and "\n" not in line, repr(line)
        data.append(line.encode("utf-8") + b"\n")
    proc = subprocess.run(
        ["kcat", "-P", "-b", bs, "-t", topic, "-X", "acks=all", "-X", "linger.ms=20"],
        input=b"".join(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
    )
    if proc.returncode != 0:
        raise TestFailure(f"kcat -P failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return len(lines)


class BackgroundLineProducer(threading.Thread):
    """produce_lines_python in a thread; register it in Harness.producers."""

    def __init__(self, bs, topic, lines, seed=0, rate=None):
        super().__init__(daemon=True)
        self.args = (bs, topic, lines, seed, rate)
        self.stop_event = threading.Event()
        self.error = None
        self.done = False

    def run(self):
        try:
            bs, topic, lines, seed, rate = self.args
            produce_lines_python(bs, topic, lines, seed=seed, rate=rate, stop_event=self.stop_event)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
        finally:
            self.done = True


class WordCountApp(Router):
    """One word-count process (the Router machinery with word-count's flags)."""

    def __init__(self, name, bs, app_id, state_dir, input_topic, output_topic, workdir, extra_args=()):
        self.name = name
        self.app_id = app_id
        self.state_dir = Path(state_dir)
        self.cmd = _die_with_parent_prefix() + word_count_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--input", input_topic, "--output", output_topic, *extra_args,
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def task_dirs(self):
        """{task id: directory} of the tasks with state under <state dir>/<application id>/."""
        root = self.state_dir / self.app_id
        if not root.is_dir():
            return {}
        return {d.name: d for d in sorted(root.iterdir()) if d.is_dir() and (d / "rocksdb").is_dir()}


def start_word_count(h, name, bs, app_id, state_dir, input_topic, output_topic, commit_interval_ms=1000,
                     extra_args=()):
    app = WordCountApp(name, bs, app_id, state_dir, input_topic, output_topic, workdir=h.tmp,
                       extra_args=["--commit-interval-ms", str(commit_interval_ms), *extra_args])
    h.routers.append(app)
    return app.start()


class CountReader:
    """Reads the word-count output from the beginning, keeping the latest
    value (8-byte big-endian Int64) of every key."""

    def __init__(self, bs, topic, partitions):
        self.topic = topic
        self.latest = {}
        self.records = 0
        self.wrong = []
        self.wrong_count = 0
        self.consumer = Consumer({
            "bootstrap.servers": bs,
            "group.id": f"it-wc-reader-{run_id()}-{topic}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
            "fetch.max.bytes": 52428800,
        })
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])

    def close(self):
        try:
            self.consumer.close()
        except Exception:  # noqa: BLE001
            pass

    def _wrong(self, msg):
        self.wrong_count += 1
        if len(self.wrong) < 20:
            self.wrong.append(msg)

    def poll(self, seconds):
        end = time.time() + seconds
        read = 0
        while True:
            left = end - time.time()
            if left <= 0:
                break
            msgs = self.consumer.consume(num_messages=10000, timeout=min(left, 0.5))
            for m in msgs:
                if m.error():
                    raise TestFailure(f"output consumer error: {m.error()}")
                self.records += 1
                k, v = m.key(), m.value()
                if k is None:
                    self._wrong(f"record with a null key at {m.partition()}@{m.offset()} (value {v!r})")
                    continue
                try:
                    word = k.decode("utf-8")
                except UnicodeDecodeError:
                    self._wrong(f"key {k!r} is not UTF-8")
                    continue
                if v is None or len(v) != 8:
                    self._wrong(f"key {word!r}: value {v!r} is not an 8-byte Int64")
                    continue
                self.latest[word] = struct.unpack(">q", v)[0]
            read += len(msgs)
        return read


def diff_counts(expected, actual, limit=10):
    """(missing, wrong, unexpected): lists of (word, expected, actual), first `limit` of each, and totals."""
    missing = [(w, n, None) for w, n in expected.items() if w not in actual]
    wrong = [(w, n, actual[w]) for w, n in expected.items() if w in actual and actual[w] != n]
    unexpected = [(w, None, n) for w, n in actual.items() if w not in expected]
    return missing, wrong, unexpected


def committed_lag(bs, group, topics, partitions):
    """Sum over topics x partitions of (end offset - committed offset of `group`);
    None when an offset could not be read. Uses a consumer that never joins the group."""
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(partitions)]
        committed = c.committed(tps, timeout=10)
        lag = 0
        for tp in committed:
            low, high = c.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)
            pos = tp.offset if tp.offset >= 0 else low
            lag += max(0, high - pos)
        return lag
    except KafkaException:
        return None
    finally:
        c.close()


def wait_purged(name, bs, group, topic, partitions, timeout):
    """Checks a repartition topic as Kafka Streams makes it: retention.ms=-1 (kept
    until purged, whatever the records' timestamps), and its records below the
    group's committed offsets deleted (DeleteRecords) within `timeout` seconds.
    Returns the number of records purged."""
    admin = admin_client(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(timeout=30)
    retention = configs["retention.ms"].value
    if retention != "-1":
        raise TestFailure(f"repartition topic {topic} has retention.ms={retention}, expected -1")
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
    try:
        deadline = time.time() + timeout
        while True:
            tps = [TopicPartition(topic, p) for p in range(partitions)]
            committed = {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
            low = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[0] for p in range(partitions)}
            # A partition without a committed offset has had no record: nothing to purge.
            if all(low[p] == max(committed[p], 0) for p in range(partitions)):
                purged = sum(low.values())
                log(name, f"{topic}: retention.ms=-1, purged up to the committed offsets ({purged} records)")
                return purged
            if time.time() > deadline:
                raise TestFailure(f"{topic} not purged to the committed offsets within {timeout}s: "
                                  f"low watermarks {low}, committed {committed}")
            time.sleep(0.5)
    finally:
        c.close()


def wait_counts(name, reader, bs, app_id, topics, partitions, expected, apps, timeout, at_least=False,
                progress_every=10):
    """Reads the output until the group's committed offsets on `topics` reach
    their ends and the output's latest values equal `expected` (with at_least:
    every expected word present with at least its expected count, nothing
    else), or until timeout. Fails when an app dies. Returns True when settled."""
    deadline = time.time() + timeout
    last_progress = time.time()
    last_lag_check = 0.0
    lag = None

    def matches():
        if at_least:
            return all(reader.latest.get(w, -1) >= n for w, n in expected.items()) and \
                all(w in expected for w in reader.latest)
        return reader.latest == expected

    while True:
        for a in apps:
            a.check_alive()
        reader.poll(0.5)
        if time.time() - last_lag_check >= 1.0 or matches():
            last_lag_check = time.time()
            lag = committed_lag(bs, app_id, topics, partitions)
        if lag == 0 and matches():
            # Settled: nothing left to process, so nothing more may arrive.
            reader.poll(1.0)
            if matches():
                return True
        if time.time() > deadline:
            return False
        if time.time() - last_progress >= progress_every:
            last_progress = time.time()
            missing, wrong, unexpected = diff_counts(expected, reader.latest)
            log(name, f"waiting: committed lag {lag}, {len(reader.latest)}/{len(expected)} words out, "
                      f"{len(missing)} missing, {len(wrong)} differ, {reader.records} records read")


def check_counts(name, expected, reader, what="counts", at_least=False):
    """Raises TestFailure with the first differences unless the output equals
    `expected` (or, with at_least, is >= it for every word with no other word).
    Returns the number of over-counted words."""
    missing, wrong, unexpected = diff_counts(expected, reader.latest)
    over = [x for x in wrong if x[2] > x[1]]
    under = [x for x in wrong if x[2] < x[1]]
    problems = []
    if reader.wrong_count:
        problems.append(f"{reader.wrong_count} malformed output records: {reader.wrong[:5]}")
    if missing:
        problems.append(f"{len(missing)} words missing (e.g. {missing[:10]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected words (e.g. {unexpected[:10]})")
    if under:
        problems.append(f"{len(under)} words under-counted (word, expected, got: {under[:10]})")
    if over and not at_least:
        problems.append(f"{len(over)} words over-counted (word, expected, got: {over[:10]})")
    if problems:
        raise TestFailure(f"{what}: " + "; ".join(problems))
    return len(over)


def parse_group_assignment(data):
    """Decodes a consumer-protocol assignment into {topic: [partitions]}; None if it is not one."""
    try:
        pos = 2  # int16 version
        (ntopics,) = struct.unpack_from(">i", data, pos)
        pos += 4
        out = {}
        for _ in range(ntopics):
            (tlen,) = struct.unpack_from(">h", data, pos)
            pos += 2
            topic = data[pos:pos + tlen].decode()
            pos += tlen
            (nparts,) = struct.unpack_from(">i", data, pos)
            pos += 4
            out[topic] = list(struct.unpack_from(f">{nparts}i", data, pos))
            pos += 4 * nparts
        return out
    except (struct.error, UnicodeDecodeError, ValueError):
        return None


def group_members(admin, group):
    """(state, [(client_id, {topic: partitions} or None)]) of a consumer group, or None if unknown."""
    try:
        groups = admin.list_groups(group=group, timeout=10)
    except Exception:  # noqa: BLE001 - callers treat it as "not known yet"
        return None
    for g in groups:
        if g.id == group:
            return g.state, [(m.client_id, parse_group_assignment(m.assignment or b"")) for m in g.members]
    return None


# ================================================== metrics-alerts helpers ==
#
# For the examples/metrics-alerts tests. Environment (besides the above):
#   KSTREAMS_METRICS_ALERTS   command line to run instead of <build>/examples/metrics-alerts
#
# The app's contract, restated here independently of its code: event time is the
# JSON "ts"; 1-minute tumbling windows (averages, alerts) and 5-minute windows
# advancing by 1 minute (maxima), both with 10 s of grace; a record is dropped
# from a window when end + grace <= the stream time of its task (the highest
# event time that task has seen, this record included); an alert is written
# once, when stream time reaches end + grace, for a window whose average is
# above the threshold.

MA_AVG_SIZE = 60_000
MA_MAX_SIZE = 300_000
MA_MAX_ADVANCE = 60_000
MA_GRACE = 10_000


def metrics_alerts_command():
    return program_command("KSTREAMS_METRICS_ALERTS", "examples", "metrics-alerts")


def murmur2(data):
    """Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit int."""
    m = 0x5BD1E995
    mask = 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> 24
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def default_partition(key, partitions):
    """The partition Kafka's default partitioner picks for a non-null key (bytes)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def window_starts(ts, size, advance):
    """Starts of the time windows a timestamp falls in (TimeWindows.windowsFor)."""
    start = (max(0, ts - size + advance) // advance) * advance
    out = []
    while start <= ts:
        out.append(start)
        start += advance
    return out


class MetricsAlertsApp(Router):
    """One metrics-alerts process (the Router machinery with metrics-alerts' flags)."""

    def __init__(self, name, bs, app_id, state_dir, input_topic, prefix, workdir, extra_args=()):
        self.name = name
        self.app_id = app_id
        self.state_dir = Path(state_dir)
        self.cmd = _die_with_parent_prefix() + metrics_alerts_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--input", input_topic, "--output-prefix", prefix, *extra_args,
        ]
        self.log_path = Path(workdir) / f"{name}.log"
        self.proc = None
        self.starts = 0

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def start_metrics_alerts(h, name, bs, app_id, state_dir, input_topic, prefix, threshold, commit_interval_ms=1000,
                         extra_args=()):
    app = MetricsAlertsApp(name, bs, app_id, state_dir, input_topic, prefix, workdir=h.tmp,
                           extra_args=["--cpu-threshold", repr(float(threshold)),
                                       "--commit-interval-ms", str(commit_interval_ms), *extra_args])
    h.routers.append(app)
    return app.start()


def metrics_output_topics(prefix):
    return {s: f"{prefix}-{s}" for s in ("cpu-avg-1m", "cpu-max-5m", "alerts", "invalid")}


def _ma_malformed(rng, ts, seq):
    """(value bytes or None, kind) of an event that metrics-alerts must route to -invalid."""
    base = {"host": f"host-{seq % 7:02d}", "cpu": 50.5, "mem": 10.0, "ts": ts}
    kind = rng.choice(["not-json", "truncated", "array", "null-value", "no-host", "empty-host", "host-number",
                       "no-cpu", "cpu-string", "cpu-bool", "cpu-null", "no-ts", "ts-negative", "ts-float",
                       "ts-string", "ts-null"])
    if kind == "not-json":
        return f"host-01 cpu=99 ts={ts}".encode(), kind
    if kind == "truncated":
        return json.dumps(base)[:-3].encode(), kind
    if kind == "array":
        return json.dumps([base]).encode(), kind
    if kind == "null-value":
        return None, kind
    edits = {
        "no-host": ("host", KeyError), "empty-host": ("host", ""), "host-number": ("host", 7),
        "no-cpu": ("cpu", KeyError), "cpu-string": ("cpu", "50.5"), "cpu-bool": ("cpu", True),
        "cpu-null": ("cpu", None), "no-ts": ("ts", KeyError), "ts-negative": ("ts", -ts),
        "ts-float": ("ts", ts + 0.5), "ts-string": ("ts", str(ts)), "ts-null": ("ts", None),
    }
    field, bad = edits[kind]
    if bad is KeyError:
        del base[field]
    else:
        base[field] = bad
    return json.dumps(base).encode(), kind


def generate_host_metrics(seed, hosts, minutes, start_ms, period_ms=5_000, within_grace_rate=0.03,
                          near_grace_rate=0.01, beyond_grace_rate=0.01, malformed_rate=0.01):
    """A deterministic series of host metrics in production order: every host
    reports about every period_ms of event time for `minutes` minutes. Most
    events are produced in event-time order; some are produced late: delayed by
    1-9 s (always within grace), 10-70 s (depends on the windows) or 75-180 s
    (beyond grace for the 1-minute windows). Each event is a dict with key
    (bytes or None), value (bytes or None), record timestamp "rts", and for valid
    ones host, cpu and ts. The last host's cpu is always exactly 75.0 (an average
    equal to a threshold of 75 must not alert)."""
    rng = random.Random(seed)
    names = [f"host-{i:02d}" for i in range(hosts)]
    profiles = {}
    for i, h in enumerate(names):
        profiles[h] = {"base": rng.choice([15, 30, 45, 60, 70, 78, 85, 92]), "noise": rng.choice([2, 5, 10, 20]),
                       "spikes": sorted(rng.sample(range(minutes), k=rng.randint(0, 3)))}
    end = start_ms + minutes * 60_000
    events = []
    seq = 0
    for h in names:
        t = start_ms + rng.randint(0, period_ms - 1)
        p = profiles[h]
        while t < end:
            if h == names[-1]:
                cpu = 75.0
            else:
                minute = (t - start_ms) // 60_000
                cpu = p["base"] + rng.gauss(0, p["noise"]) + (25 if minute in p["spikes"] else 0)
                cpu = round(min(100.0, max(0.0, cpu)), rng.choice([0, 1, 1, 2]))
                if rng.random() < 0.05:
                    cpu = int(cpu)  # an integer in the JSON
            r = rng.random()
            if r < within_grace_rate:
                delay = rng.randint(1_000, 9_000)
                late = "within"
            elif r < within_grace_rate + near_grace_rate:
                delay = rng.randint(10_000, 70_000)
                late = "near"
            elif r < within_grace_rate + near_grace_rate + beyond_grace_rate:
                delay = rng.randint(75_000, 180_000)
                late = "beyond"
            else:
                delay = 0
                late = None
            value = {"host": h, "cpu": cpu, "mem": round(rng.uniform(10, 90), 1), "ts": t}
            if rng.random() < 0.1:
                value["mem"] = None
            if rng.random() < 0.05:
                value["disk"] = {"sda": rng.randint(0, 100)}
            items = list(value.items())
            rng.shuffle(items)
            key = None if rng.random() < 0.3 else f"agent-{rng.randint(0, 999)}".encode()
            events.append({"key": key, "value": json.dumps(dict(items)).encode(), "rts": t, "host": h, "cpu": cpu,
                           "ts": t, "order": (t + delay, seq), "late": late})
            seq += 1
            t += period_ms + rng.randint(-1_000, 1_000)
    n_valid = len(events)
    for _ in range(int(n_valid * malformed_rate)):
        t = rng.randint(start_ms, end - 1)
        value, kind = _ma_malformed(rng, t, seq)
        events.append({"key": rng.choice([None, b"bad"]), "value": value, "rts": t, "kind": kind,
                       "order": (t, seq), "late": None})
        seq += 1
    events.sort(key=lambda e: e["order"])
    return events


def flush_events(after_ms, partitions, prefix="flush"):
    """One valid event per repartition partition, at after_ms, to move every
    partition's stream time past the end + grace of all earlier windows."""
    out = []
    covered = set()
    i = 0
    while len(covered) < partitions:
        host = f"{prefix}-{i}"
        p = default_partition(host.encode(), partitions)
        if p not in covered:
            covered.add(p)
            out.append({"key": None, "value": json.dumps({"host": host, "cpu": 0.0, "mem": 0.0, "ts": after_ms}).encode(),
                        "rts": after_ms, "host": host, "cpu": 0.0, "ts": after_ms, "late": None})
        i += 1
    return out


def ma_is_valid(value):
    """The metrics-alerts contract for a valid event, written independently of the app."""
    if value is None:
        return False
    try:
        obj = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    if not isinstance(obj, dict):
        return False
    host, cpu, ts = obj.get("host"), obj.get("cpu"), obj.get("ts")
    if not isinstance(host, str) or not host:
        return False
    if isinstance(cpu, bool) or not isinstance(cpu, (int, float)):
        return False
    if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0 or ts >= 2**63:
        return False
    return True


class MetricsExpectation:
    """What metrics-alerts must output for events processed in the given order,
    with `partitions` repartition partitions (stream time is kept per partition)."""

    def __init__(self, threshold, partitions):
        self.threshold = float(threshold)
        self.partitions = partitions
        self.stream_time = {}
        self.avg = {}       # key -> [host, start, sum, count]
        self.max = {}       # key -> [host, start, max, count]
        self.invalid = 0
        self.valid = 0
        self.dropped_avg = 0
        self.dropped_max = 0
        self.late_kinds = {}

    def add(self, events):
        for ev in events:
            if not ma_is_valid(ev["value"]):
                if "host" in ev:
                    raise AssertionError(f"generator bug: {ev['value']!r} labelled valid")
                self.invalid += 1
                continue
            if "host" not in ev:
                raise AssertionError(f"generator bug: {ev['value']!r} labelled invalid")
            self.valid += 1
            host, cpu, ts = ev["host"], float(ev["cpu"]), ev["ts"]
            p = default_partition(host.encode(), self.partitions)
            st = max(self.stream_time.get(p, -1), ts)
            self.stream_time[p] = st
            close = st - MA_GRACE
            for start in window_starts(ts, MA_AVG_SIZE, MA_AVG_SIZE):
                if start + MA_AVG_SIZE <= close:
                    self.dropped_avg += 1
                    continue
                w = self.avg.setdefault(f"{host}@{start}", [host, start, 0.0, 0])
                w[2] += cpu
                w[3] += 1
            for start in window_starts(ts, MA_MAX_SIZE, MA_MAX_ADVANCE):
                if start + MA_MAX_SIZE <= close:
                    self.dropped_max += 1
                    continue
                w = self.max.setdefault(f"{host}@{start}", [host, start, None, 0])
                w[2] = cpu if w[2] is None else max(w[2], cpu)
                w[3] += 1
            if ev.get("late"):
                self.late_kinds[ev["late"]] = self.late_kinds.get(ev["late"], 0) + 1
        return self

    def avg_views(self):
        return {k: {"host": h, "window_start": s, "window_end": s + MA_AVG_SIZE, "avg_cpu": total / n, "count": n}
                for k, (h, s, total, n) in self.avg.items()}

    def max_views(self):
        return {k: {"host": h, "window_start": s, "window_end": s + MA_MAX_SIZE, "max_cpu": mx, "count": n}
                for k, (h, s, mx, n) in self.max.items()}

    def alerts(self):
        """key -> alert, for the 1-minute windows closed by their partition's stream time."""
        out = {}
        for k, (h, s, total, n) in self.avg.items():
            st = self.stream_time[default_partition(h.encode(), self.partitions)]
            if s + MA_AVG_SIZE + MA_GRACE <= st and total / n > self.threshold:
                out[k] = {"host": h, "window_start": s, "window_end": s + MA_AVG_SIZE, "avg_cpu": total / n,
                          "threshold": self.threshold}
        return out


def produce_metrics(bs, topic, events, partition=None):
    """Produces the events in order with confluent_kafka, each with its record
    timestamp; idempotent, so the order in a partition is the order given."""
    produce_timestamped(bs, [(topic, [(ev["key"], ev["value"], ev["rts"]) for ev in events])], partition)
    return len(events)


def produce_timestamped(bs, segments, partition=None, flush_each=False, config=None):
    """Produces segments [(topic, [(key, value, timestamp), ...]), ...] in order
    with one idempotent confluent_kafka producer (extra settings in `config`),
    to `partition` if given. flush_each: every segment is delivered before the
    next is sent."""
    p = Producer({
        "bootstrap.servers": bs,
        "acks": "all",
        "linger.ms": 20,
        "enable.idempotence": True,
        "queue.buffering.max.messages": 200000,
        **(config or {}),
    })
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)

    for topic, records in segments:
        for i, (key, value, ts) in enumerate(records):
            kwargs = {"key": key, "value": value, "timestamp": ts, "on_delivery": on_delivery}
            if partition is not None:
                kwargs["partition"] = partition
            while True:
                try:
                    p.produce(topic, **kwargs)
                    break
                except BufferError:
                    p.poll(0.1)
            if i % 1000 == 0:
                p.poll(0)
        if flush_each and p.flush(120):
            raise TestFailure(f"producer ({topic}): a segment was not delivered within 120 s")
    remaining = p.flush(120)
    if remaining or errors:
        topics = ", ".join(sorted({topic for topic, _ in segments}))
        raise TestFailure(f"producer ({topics}): {remaining} undelivered, errors: {errors[:5]}")


def topic_partitions(bs, topic, timeout=60):
    """The partition count of a topic, waiting until it exists."""
    admin = admin_client(bs)
    deadline = time.time() + timeout
    while True:
        md = admin.list_topics(timeout=10)
        t = md.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            return len(t.partitions)
        if time.time() > deadline:
            raise TestFailure(f"topic {topic} did not appear within {timeout}s")
        time.sleep(0.2)


class MetricsReader:
    """Reads the metrics-alerts outputs from the beginning: the latest value per
    key of the averages and maxima, every alert, every invalid record."""

    def __init__(self, bs, prefix, partitions):
        self.topics = metrics_output_topics(prefix)
        self.latest = {"cpu-avg-1m": {}, "cpu-max-5m": {}}
        self.alerts = []         # (key, value dict, timestamp)
        self.invalid = []        # (key, value, headers)
        self.records = 0
        self.wrong = []
        self.wrong_count = 0
        self.kind_of_topic = {t: k for k, t in self.topics.items()}
        self.consumer = Consumer({
            "bootstrap.servers": bs,
            "group.id": f"it-ma-reader-{run_id()}-{prefix}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
        })
        self.consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t in self.topics.values()
                              for p in range(partitions)])

    def close(self):
        try:
            self.consumer.close()
        except Exception:  # noqa: BLE001
            pass

    def _wrong(self, msg):
        self.wrong_count += 1
        if len(self.wrong) < 20:
            self.wrong.append(msg)

    def poll(self, seconds):
        end = time.time() + seconds
        read = 0
        while True:
            left = end - time.time()
            if left <= 0:
                break
            msgs = self.consumer.consume(num_messages=10000, timeout=min(left, 0.5))
            for m in msgs:
                if m.error():
                    raise TestFailure(f"output consumer error: {m.error()}")
                self.records += 1
                kind = self.kind_of_topic[m.topic()]
                if kind == "invalid":
                    self.invalid.append((m.key(), m.value(), m.headers() or []))
                    continue
                try:
                    key = m.key().decode("utf-8")
                    value = json.loads(m.value())
                except (AttributeError, UnicodeDecodeError, TypeError, ValueError):
                    self._wrong(f"{m.topic()}: unreadable record {m.key()!r} -> {m.value()!r}")
                    continue
                if kind == "alerts":
                    self.alerts.append((key, value, m.timestamp()[1]))
                else:
                    self.latest[kind][key] = value
            read += len(msgs)
        return read

    def alert_counts(self):
        counts = {}
        for k, _, _ in self.alerts:
            counts[k] = counts.get(k, 0) + 1
        return counts


def _close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def diff_windows(expected, actual, value_field):
    """Differences between expected and actual window views: a list of strings."""
    problems = []
    for k, want in expected.items():
        got = actual.get(k)
        if got is None:
            problems.append(f"missing {k} (expected {want})")
            continue
        same = all(got.get(f) == want[f] for f in want if f != value_field) and \
            isinstance(got.get(value_field), (int, float)) and _close(got[value_field], want[value_field])
        if not same or set(got) != set(want):
            problems.append(f"{k}: expected {want}, got {got}")
    for k in actual:
        if k not in expected:
            problems.append(f"unexpected {k}: {actual[k]}")
    return problems


def diff_alerts(expected, reader):
    """Differences between the expected alerts and those read: every alert exactly once."""
    problems = []
    counts = reader.alert_counts()
    seen = {}
    for k, v, _ in reader.alerts:
        seen.setdefault(k, v)
    for k, want in expected.items():
        n = counts.get(k, 0)
        if n == 0:
            problems.append(f"missing alert {k} (expected {want})")
        elif n > 1:
            problems.append(f"alert {k} written {n} times")
        got = seen.get(k)
        if got is not None:
            same = set(got) == set(want) and all(got[f] == want[f] for f in want if f != "avg_cpu") and \
                _close(got["avg_cpu"], want["avg_cpu"])
            if not same:
                problems.append(f"alert {k}: expected {want}, got {got}")
    for k, n in counts.items():
        if k not in expected:
            problems.append(f"unexpected alert {k} ({n}x): {seen[k]}")
    return problems


def metrics_problems(expectation, reader):
    """All differences between the expected and the read outputs, by topic."""
    problems = {}
    for what, p in (("cpu-avg-1m", diff_windows(expectation.avg_views(), reader.latest["cpu-avg-1m"], "avg_cpu")),
                    ("cpu-max-5m", diff_windows(expectation.max_views(), reader.latest["cpu-max-5m"], "max_cpu")),
                    ("alerts", diff_alerts(expectation.alerts(), reader))):
        if p:
            problems[what] = p
    if len(reader.invalid) != expectation.invalid:
        problems["invalid"] = [f"{len(reader.invalid)} records, expected {expectation.invalid}"]
    if reader.wrong_count:
        problems["unreadable"] = reader.wrong
    return problems


def format_problems(problems, limit=8):
    return "; ".join(f"{what}: {len(p)} differences, e.g. {p[:limit]}" for what, p in problems.items())


def wait_metrics(name, reader, bs, app_id, topics, expectation, apps, timeout, progress_every=10, stall=10):
    """Reads the outputs until the group's committed offsets on `topics` (all
    partitions) reach their ends and the outputs match `expectation`, or until
    timeout, or until the outputs still differ `stall` seconds after the lag
    reached 0 with nothing new to read. Fails when an app dies. Returns True
    when settled."""
    deadline = time.time() + timeout
    last_progress = time.time()
    last_lag_check = 0.0
    lag = None
    idle_since = None
    admin = admin_client(bs)

    def group_lag():
        md = admin.list_topics(timeout=10)
        c = Consumer({"bootstrap.servers": bs, "group.id": app_id, "enable.auto.commit": False})
        try:
            tps = [TopicPartition(t, p) for t in topics for p in md.topics[t].partitions] \
                if all(t in md.topics for t in topics) else None
            if tps is None:
                return None
            total = 0
            for tp in c.committed(tps, timeout=10):
                low, high = c.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)
                total += max(0, high - (tp.offset if tp.offset >= 0 else low))
            return total
        except KafkaException:
            return None
        finally:
            c.close()

    while True:
        for a in apps:
            a.check_alive()
        reader.poll(0.5)
        problems = metrics_problems(expectation, reader)
        if time.time() - last_lag_check >= 1.0 or not problems:
            last_lag_check = time.time()
            lag = group_lag()
        if lag == 0 and not problems:
            reader.poll(1.0)
            if not metrics_problems(expectation, reader):
                return True
        if lag == 0:
            if idle_since is None or reader.records != idle_since[1]:
                idle_since = (time.time(), reader.records)
            elif time.time() - idle_since[0] >= stall:
                return False
        else:
            idle_since = None
        if time.time() > deadline:
            return False
        if time.time() - last_progress >= progress_every:
            last_progress = time.time()
            log(name, f"waiting: committed lag {lag}, {reader.records} records read, "
                      f"{sum(len(p) for p in problems.values())} differences")
