#!/usr/bin/env python3
"""End to end: examples/metrics-alerts against a real broker. A deterministic
series of host metrics (20 hosts, 15 minutes of event time, some events late
within grace, some beyond it, some malformed) is produced with confluent_kafka,
the event time in the JSON "ts" and as the record timestamp; then one event per
repartition partition far enough ahead to close every window. The latest value
per key of <prefix>-cpu-avg-1m and <prefix>-cpu-max-5m, the alerts (each
exactly once) and the number of invalid records must equal what Python computes
on its own (common.MetricsExpectation).

Stream time decides which late records are dropped, so it must be
deterministic: the input topic has one partition, so the app has one source task
that writes the repartition topic in input order, and the aggregating task of
each repartition partition sees its hosts' records in input order. The
expectation keeps stream time per repartition partition, computed with Kafka's
murmur2 partitioner on the host, for whatever partition count the app gives the
repartition topic. Run with /usr/bin/python3; see common.py for the environment."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "metrics_alerts"
HOSTS = 20
MINUTES = 15
T0 = 1_700_000_040_000  # a minute boundary
THRESHOLD = 75.0
OUTPUT_PARTITIONS = 2
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 90))


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-ma-{rid}-metrics"
    prefix = f"it-ma-{rid}"
    app_id = f"it-ma-{rid}"
    repartition = f"{app_id}-metrics-by-host-repartition"
    state_dir = os.path.join(h.tmp, "state")
    common.log(NAME, f"broker {bs}, input {input_topic}, output prefix {prefix}, application id {app_id}")

    events = common.generate_host_metrics(seed=31, hosts=HOSTS, minutes=MINUTES, start_ms=T0)
    common.create_topics(bs, [input_topic], 1)
    common.create_topics(bs, list(common.metrics_output_topics(prefix).values()), OUTPUT_PARTITIONS)
    reader = common.MetricsReader(bs, prefix, OUTPUT_PARTITIONS)
    try:
        app = common.start_metrics_alerts(h, "metrics-alerts", bs, app_id, state_dir, input_topic, prefix, THRESHOLD)
        common.produce_metrics(bs, input_topic, events)
        partitions = common.topic_partitions(bs, repartition)
        flush = common.flush_events(T0 + (MINUTES + 3) * 60_000, partitions)
        common.produce_metrics(bs, input_topic, flush)
        expected = common.MetricsExpectation(THRESHOLD, partitions).add(events + flush)
        alerts = expected.alerts()
        common.log(NAME, f"produced {len(events) + len(flush)} events ({expected.valid} valid, {expected.invalid} "
                         f"malformed; late: {expected.late_kinds}); repartition topic has {partitions} partitions; "
                         f"expecting {len(expected.avg)} 1-minute windows ({expected.dropped_avg} records dropped), "
                         f"{len(expected.max)} 5-minute windows ({expected.dropped_max} drops), {len(alerts)} alerts")
        if not alerts or not expected.dropped_avg or len(alerts) == len(expected.avg):
            raise common.TestFailure("the generated series does not exercise alerts and late records")

        t0 = time.time()
        settled = common.wait_metrics(NAME, reader, bs, app_id, [input_topic, repartition], expected, [app],
                                      OUTPUT_TIMEOUT)
        problems = common.metrics_problems(expected, reader)
        if not settled:
            raise common.TestFailure(f"outputs did not settle (timeout {OUTPUT_TIMEOUT}s): "
                                     f"{common.format_problems(problems) or 'committed lag not 0'}")
        took = time.time() - t0
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"metrics-alerts exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        reader.poll(1)
        problems = common.metrics_problems(expected, reader)
        if problems:
            raise common.TestFailure(common.format_problems(problems))
        for key, headers in ((k, dict(hd)) for k, _, hd in reader.invalid):
            if not headers.get("error"):
                raise common.TestFailure(f"invalid record {key!r} without an 'error' header: {headers}")
        closed = app.log_text().strip().splitlines()[-1]
        common.log(NAME, f"app: {closed}")
        print(f"{NAME}: {len(events) + len(flush)} events; {len(expected.avg)} averages, {len(expected.max)} maxima, "
              f"{len(alerts)} alerts (each once) and {expected.invalid} invalid records exact; "
              f"settled {took:.1f}s after producing", flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body, hard_timeout=300))
