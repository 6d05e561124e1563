#!/usr/bin/env python3
"""Crash recovery: examples/log-router is SIGKILLed when about half of the
output is there, then restarted with the same application id and state dir.
Nothing may be missing or wrong afterwards; duplicates (records processed again
after the last commit) are allowed, counted and printed.

Input is produced while the router runs (paced), so the kill lands mid-stream.
Run with /usr/bin/python3; see common.py for the environment."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "log_router_kill"
EVENTS = int(os.environ.get("KSTREAMS_IT_EVENTS", 200_000))
KCAT_EVENTS = 1_000
PARTITIONS = 4
RATE = 20_000           # events/s from the background producer
# Includes the group's wait for the killed member's session to expire.
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 360))


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-kill-{rid}-access"
    prefix = f"it-kill-{rid}"
    app_id = f"it-kill-{rid}-router"
    state_dir = os.path.join(h.tmp, "state")
    common.log(NAME, f"broker {bs}, input {input_topic}, outputs {prefix}-*, application id {app_id}")

    events = common.generate_events(EVENTS, seed=2, text_only=range(KCAT_EVENTS))
    counts = common.summarize_events(events)
    common.log(NAME, f"generated {EVENTS} events: {counts}")
    common.create_topics(bs, [input_topic] + list(common.output_topics(prefix).values()), PARTITIONS)

    common.produce_kcat(bs, input_topic, events[:KCAT_EVENTS])
    router = h.router("router", bs, app_id, state_dir, input_topic, prefix).start()
    reader = h.reader(bs, prefix, events, PARTITIONS)
    producer = h.background_producer(bs, input_topic, events[KCAT_EVENTS:], rate=RATE)
    producer.start()

    half = reader.expected_total // 2
    if not reader.wait_for(lambda: reader.distinct_expected_seen() >= half, OUTPUT_TIMEOUT,
                           routers=[router], what="half of the output", name=NAME):
        raise common.TestFailure(f"half of the output did not arrive within {OUTPUT_TIMEOUT}s")
    router.kill()
    common.log(NAME, f"SIGKILLed log-router at {h.elapsed():.1f}s with {reader.distinct_expected_seen()}/"
                     f"{reader.expected_total} records out (producer {'done' if producer.done else 'still running'})")
    time.sleep(1)
    router.start()
    common.log(NAME, "restarted log-router with the same application id and state dir")

    t0 = h.elapsed()
    if not reader.wait_for(reader.complete, OUTPUT_TIMEOUT, routers=[router], name=NAME):
        producer.join(1)
        if producer.error:
            raise common.TestFailure(f"producer failed: {producer.error}")
        common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=True)
        raise common.TestFailure(f"output incomplete {OUTPUT_TIMEOUT}s after the restart")
    producer.join(60)
    if producer.error:
        raise common.TestFailure(f"producer failed: {producer.error}")
    common.log(NAME, f"all {reader.expected_total} expected records arrived {h.elapsed() - t0:.1f}s after the restart")
    reader.poll(3)

    code = router.terminate(60)
    if code != 0:
        raise common.TestFailure(f"log-router exited with {code} after SIGTERM (expected 0)\n{router.log_tail()}")
    reader.poll(1)
    common.log(NAME, "per topic: " + ", ".join(f"-{b} {reader.per_topic[b]}" for b in common.BUCKETS))
    common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=True)


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
