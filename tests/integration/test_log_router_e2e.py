#!/usr/bin/env python3
"""End to end: 200,000 access events (about 5% health checks, 1% malformed) go
through examples/log-router; every record must land in the right output topic
exactly once with the right content, health checks nowhere.

Most events are produced with confluent_kafka, 1,000 with kcat, so two
independent clients write the input. One output topic is also read back with
kcat -C -e. Run with /usr/bin/python3; see common.py for the environment."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "log_router_e2e"
EVENTS = int(os.environ.get("KSTREAMS_IT_EVENTS", 200_000))
KCAT_EVENTS = 1_000
PARTITIONS = 4
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 300))


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-e2e-{rid}-access"
    prefix = f"it-e2e-{rid}"
    app_id = f"it-e2e-{rid}-router"
    common.log(NAME, f"broker {bs}, input {input_topic}, outputs {prefix}-*, application id {app_id}")

    kcat_idx = range(EVENTS - KCAT_EVENTS, EVENTS)
    events = common.generate_events(EVENTS, seed=1, text_only=kcat_idx)
    counts = common.summarize_events(events)
    common.log(NAME, f"generated {EVENTS} events: {counts}")

    common.create_topics(bs, [input_topic] + list(common.output_topics(prefix).values()), PARTITIONS)
    common.produce_python(bs, input_topic, events[: EVENTS - KCAT_EVENTS])
    common.produce_kcat(bs, input_topic, events[EVENTS - KCAT_EVENTS:])
    common.log(NAME, f"produced {EVENTS} events ({KCAT_EVENTS} with kcat) at {h.elapsed():.1f}s")

    router = h.router("router", bs, app_id, os.path.join(h.tmp, "state"), input_topic, prefix).start()
    reader = h.reader(bs, prefix, events, PARTITIONS)
    t0 = h.elapsed()
    if not reader.wait_for(reader.complete, OUTPUT_TIMEOUT, routers=[router], name=NAME):
        common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=False)
        raise common.TestFailure(f"output incomplete after {OUTPUT_TIMEOUT}s")
    common.log(NAME, f"all {reader.expected_total} expected records arrived in {h.elapsed() - t0:.1f}s")
    # Keep reading a little: late duplicates or leaked health checks would show up now.
    reader.poll(3)

    code = router.terminate(60)
    if code != 0:
        raise common.TestFailure(f"log-router exited with {code} after SIGTERM (expected 0)\n{router.log_tail()}")
    reader.poll(1)

    # A second, foreign client reads one output topic.
    for bucket in ("4xx", "invalid"):
        topic = common.output_topics(prefix)[bucket]
        n = common.count_kcat(bs, topic)
        if n != reader.per_topic[bucket]:
            raise common.TestFailure(f"kcat -C counted {n} records in {topic}, confluent_kafka {reader.per_topic[bucket]}")
        common.log(NAME, f"kcat -C -e read {n} records from {topic}, as expected")

    common.log(NAME, "per topic: " + ", ".join(f"-{b} {reader.per_topic[b]}" for b in common.BUCKETS))
    common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=False)


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
