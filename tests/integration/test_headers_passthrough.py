#!/usr/bin/env python3
"""Record headers through a pass-through (tests/integration/headers-passthrough,
stream(input).to(output)) on a real broker: every record must come out with the
key, value and headers it went in with, exactly once.

The input mixes, in the same batches, records without headers, with an empty
header list, with one or many headers, with null, empty and binary header
values and a repeated header name, with empty and null record values, written
by confluent_kafka; and records written by kcat with and without -H. kstreams
reads a record's headers with a check for header-less records that skips
librdkafka's parse, so both kinds must come out right whatever their
neighbours are. Run with /usr/bin/python3; see common.py for the environment."""

import ctypes
import os
import sys
import subprocess
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from confluent_kafka import Consumer, Producer  # noqa: E402

NAME = "headers_passthrough"
PARTITIONS = 2
PY_RECORDS = 6_000
KCAT_RECORDS = 300  # with -H, and as many without
TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 120))



def keep_none_alive(n):
    """Debian 12's python3-confluent-kafka (1.7.0) converts null header values
    to and from None without owning its references: each one costs None a
    reference, and the interpreter aborts at exit when None's count reaches 0.
    Gives None back one reference per null header value passed through it."""
    for _ in range(n):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))


def app_command():
    return common.program_command("KSTREAMS_HEADERS_PASSTHROUGH", "tests", "integration", "headers-passthrough")


class PassthroughApp(common.Router):
    def __init__(self, name, bs, app_id, state_dir, input_topic, output_topic, workdir):
        super().__init__(name, bs, app_id, state_dir, input_topic, "unused", workdir)
        self.cmd = common._die_with_parent_prefix() + app_command() + [
            "--bootstrap-servers", bs, "--application-id", app_id, "--state-dir", str(state_dir),
            "--input", input_topic, "--output", output_topic, "--commit-interval-ms", "500",
        ]


def headers_for(i):
    """The headers of Python record i (None: the record is sent without any)."""
    kind = i % 8
    if kind == 0:
        return None
    if kind == 1:
        return []  # an explicit empty list: a header count of 0
    if kind == 2:
        return [("trace", f"t-{i}".encode())]
    if kind == 3:
        return [("a", b"1"), ("b", None), ("c", b""), ("a", b"2")]  # null, empty, repeated name
    if kind == 4:
        return [("bin", bytes(range(256)) + i.to_bytes(4, "big"))]
    if kind == 5:
        return [(f"h{j}", str(j * i).encode()) for j in range(40)]  # many: a multi-byte count
    if kind == 6:
        return None
    return [("", b"empty name")]


def value_for(i):
    if i % 50 == 7:
        return None  # a tombstone
    if i % 10 == 9:
        return b""
    return f"value-{i}".encode()


def produce_python(bs, topic):
    p = Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 20})
    expected = {}
    for i in range(PY_RECORDS):
        key, value, hdrs = f"py-{i:05d}", value_for(i), headers_for(i)
        if hdrs is None:
            p.produce(topic, key=key.encode(), value=value)
        else:
            p.produce(topic, key=key.encode(), value=value, headers=hdrs)
            keep_none_alive(sum(1 for _, v in hdrs if v is None))
        expected[key] = (value, [(k, v) for k, v in hdrs] if hdrs else [])
        if i % 1000 == 0:
            p.poll(0)
    if p.flush(60) != 0:
        raise common.TestFailure("the Python producer did not deliver everything")
    return expected


def produce_kcat(bs, topic, prefix, headers):
    lines = b"".join(f"{prefix}-{i:05d}:kcat value {i}\n".encode() for i in range(KCAT_RECORDS))
    cmd = ["kcat", "-P", "-b", bs, "-t", topic, "-K:", "-X", "acks=all", "-X", "linger.ms=20"]
    for k, v in headers:
        cmd += ["-H", f"{k}={v.decode()}"]
    proc = subprocess.run(cmd, input=lines, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if proc.returncode != 0:
        raise common.TestFailure(f"kcat -P failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return {f"{prefix}-{i:05d}": (f"kcat value {i}".encode(), list(headers)) for i in range(KCAT_RECORDS)}


def read_output(bs, topic, expected, app):
    c = Consumer({"bootstrap.servers": bs, "group.id": f"{topic}-reader", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = {}
    deadline = time.time() + TIMEOUT
    try:
        while len(got) < len(expected) and time.time() < deadline:
            app.check_alive()
            for m in c.consume(500, 1.0):
                if m.error():
                    raise common.TestFailure(f"reading {topic}: {m.error()}")
                key = m.key().decode()
                if key in got:
                    raise common.TestFailure(f"{key} came out twice")
                hdrs = list(m.headers() or [])
                keep_none_alive(sum(1 for _, v in hdrs if v is None))
                got[key] = (m.value(), hdrs)
    finally:
        c.close()
    return got


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic, output_topic = f"it-hdr-{rid}-in", f"it-hdr-{rid}-out"
    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)

    expected = produce_python(bs, input_topic)
    kcat_headers = [("source", b"kcat"), ("note", b"")]
    expected.update(produce_kcat(bs, input_topic, "kcat-h", kcat_headers))
    expected.update(produce_kcat(bs, input_topic, "kcat", []))
    with_headers = sum(1 for _, hd in expected.values() if hd)
    common.log(NAME, f"produced {len(expected)} records, {with_headers} with headers, at {h.elapsed():.1f}s")

    app = PassthroughApp("passthrough", bs, f"it-hdr-{rid}-app", os.path.join(h.tmp, "state"), input_topic,
                         output_topic, h.tmp)
    h.routers.append(app)
    app.start()
    got = read_output(bs, output_topic, expected, app)
    code = app.terminate(60)
    if code != 0:
        raise common.TestFailure(f"headers-passthrough exited with {code} after SIGTERM\n{app.log_tail()}")

    missing = sorted(set(expected) - set(got))
    wrong = [(k, expected[k], got[k]) for k in sorted(got) if k in expected and got[k] != expected[k]]
    extra = sorted(set(got) - set(expected))
    if missing or wrong or extra:
        raise common.TestFailure(f"{len(missing)} missing (first {missing[:5]}), {len(extra)} unexpected, "
                                 f"{len(wrong)} with another value or other headers (first: {wrong[:3]})")
    common.log(NAME, f"all {len(got)} records came out with their values and headers "
                     f"({with_headers} with headers)")


if __name__ == "__main__":
    sys.exit(common.main(NAME, body, hard_timeout=300))
