"""Shared helpers for the log-router integration tests.

Environment:
  KSTREAMS_BUILD_DIR    build directory holding examples/log-router (default <repo>/build)
  KSTREAMS_BOOTSTRAP    bootstrap servers; when unset, scripts/kafka start is run
  KSTREAMS_LOG_ROUTER   command line to run instead of <build>/examples/log-router
                        (split with shlex; for trying the harness on another router)
  KSTREAMS_IT_KEEP      if set, keep the temporary directory (router logs, state)

Run the tests with /usr/bin/python3 (Debian's python3-confluent-kafka).
"""

import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[2]
BUCKETS = ("2xx", "3xx", "4xx", "5xx", "invalid")

# ------------------------------------------------------------------ basics --


def log(name, msg):
    print(f"{name}: {msg}", flush=True)


def build_dir():
    return Path(os.environ.get("KSTREAMS_BUILD_DIR") or REPO / "build")


def router_command():
    override = os.environ.get("KSTREAMS_LOG_ROUTER")
    if override:
        return shlex.split(override)
    binary = build_dir() / "examples" / "log-router"
    if not os.access(binary, os.X_OK):
        raise TestFailure(f"{binary} not found or not executable (build the log-router target first)")
    return [str(binary)]


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
    admin = admin_client(bs)
    futures = admin.create_topics([NewTopic(n, partitions, 1) for n in names], request_timeout=30)
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
