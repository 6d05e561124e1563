#!/usr/bin/env python3
"""Restarts of examples/metrics-alerts: the first half of a deterministic
series of host metrics is processed, the app is stopped with SIGTERM (it must
exit 0), the second half is produced and the app restarted with the same
application id. The final latest value per window of the averages and maxima
must equal what Python computes for an uninterrupted run, and every alert must
appear exactly once over both runs (a clean stop commits everything, so
at-least-once allows no duplicate here). Three scenarios, each on topics and an
application id of its own:

  keep-state    the state directory is kept
  delete-state  the state directory is deleted: windows and the suppression
                buffer come back from their changelogs
  late-first    the state directory is kept, and the first record after the
                restart is one that was already too late before the stop (every
                window it falls in was closed by the stream time of the first
                run): it must be dropped, and the closed window must not be
                updated or alerted again. That needs stream time to survive the
                restart: each partition's time is committed in the offset
                metadata and read back on assignment. (Kafka Streams' window
                aggregations keep their observed stream time in memory only, so
                there this is an improvement, not parity.)

KSTREAMS_IT_SCENARIOS (a comma-separated list) runs some of them only.

Input on one partition, as in test_metrics_alerts.py, so that stream time is
deterministic; the first two scenarios cut the series right before an event in
event-time order, so that the first record after the restart moves stream time
past everything seen before it. Run with /usr/bin/python3; see common.py for
the environment."""

import json
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "metrics_alerts_restart"
HOSTS = 20
MINUTES = 15
T0 = 1_700_000_040_000
THRESHOLD = 75.0
OUTPUT_PARTITIONS = 2
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 60))
SCENARIOS = [s for s in os.environ.get("KSTREAMS_IT_SCENARIOS", "keep-state,delete-state,late-first").split(",")
             if s]


def late_probe(expected_a, partitions):
    """A record for a window that alerted in the first run and that every window
    of its timestamp had closed by then (end + grace <= stream time)."""
    for key, alert in sorted(expected_a.alerts().items(), key=lambda kv: kv[1]["window_start"]):
        host = alert["host"]
        ts = alert["window_start"] + 30_000
        st = expected_a.stream_time[common.default_partition(host.encode(), partitions)]
        if ts + common.MA_MAX_SIZE + common.MA_GRACE <= st:
            value = json.dumps({"host": host, "cpu": 100.0, "mem": 1.0, "ts": ts}).encode()
            return {"key": None, "value": value, "rts": ts, "host": host, "cpu": 100.0, "ts": ts, "late": "probe"}, key
    raise AssertionError("generator: no alerted window old enough for the late probe")


def scenario(h, bs, which):
    rid = f"{common.run_id()}-{which}"
    input_topic = f"it-mar-{rid}-metrics"
    prefix = f"it-mar-{rid}"
    app_id = f"it-mar-{rid}"
    repartition = f"{app_id}-metrics-by-host-repartition"
    state_dir = os.path.join(h.tmp, f"state-{which}")
    name = f"{NAME}[{which}]"
    common.log(name, f"input {input_topic}, output prefix {prefix}, application id {app_id}")

    events = common.generate_host_metrics(seed=41, hosts=HOSTS, minutes=MINUTES, start_ms=T0)
    cut = len(events) // 2
    while events[cut]["late"] is not None or "host" not in events[cut]:
        cut += 1
    part_a, part_b = events[:cut], events[cut:]

    common.create_topics(bs, [input_topic], 1)
    common.create_topics(bs, list(common.metrics_output_topics(prefix).values()), OUTPUT_PARTITIONS)
    reader = common.MetricsReader(bs, prefix, OUTPUT_PARTITIONS)
    try:
        app = common.start_metrics_alerts(h, f"metrics-alerts-{which}", bs, app_id, state_dir, input_topic, prefix,
                                          THRESHOLD)
        common.produce_metrics(bs, input_topic, part_a)
        partitions = common.topic_partitions(bs, repartition)
        expected_a = common.MetricsExpectation(THRESHOLD, partitions).add(part_a)
        if not common.wait_metrics(name, reader, bs, app_id, [input_topic, repartition], expected_a, [app],
                                   OUTPUT_TIMEOUT):
            raise common.TestFailure(f"first half did not settle within {OUTPUT_TIMEOUT}s: "
                                     f"{common.format_problems(common.metrics_problems(expected_a, reader))}")
        alerts_a = len(reader.alerts)
        common.log(name, f"first half ({len(part_a)} events, {len(expected_a.avg)} averages, {alerts_a} alerts) "
                         f"exact at {h.elapsed():.1f}s; stopping")
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"metrics-alerts exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        if which == "delete-state":
            shutil.rmtree(state_dir)
            common.log(name, "state directory deleted")

        probe_note = ""
        if which == "late-first":
            probe, probe_key = late_probe(expected_a, partitions)
            part_b = [probe] + part_b
            probe_note = f" (first: a record for {probe_key}, closed before the stop)"
        flush = common.flush_events(T0 + (MINUTES + 3) * 60_000, partitions)
        common.produce_metrics(bs, input_topic, part_b + flush)
        expected = common.MetricsExpectation(THRESHOLD, partitions).add(part_a + part_b + flush)
        t0 = time.time()
        app.start()
        common.log(name, f"produced the second half ({len(part_b) + len(flush)} events){probe_note} and restarted")
        settled = common.wait_metrics(name, reader, bs, app_id, [input_topic, repartition], expected, [app],
                                      OUTPUT_TIMEOUT)
        took = time.time() - t0
        code = app.terminate(60)
        reader.poll(1)
        problems = common.metrics_problems(expected, reader)
        if problems:
            raise common.TestFailure(("" if settled else "not settled; ") + common.format_problems(problems))
        if code != 0:
            raise common.TestFailure(f"metrics-alerts exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        if which == "delete-state":
            second = app.log_text().split("==== start #2", 1)[-1]
            if "restored task" not in second:
                raise common.TestFailure("the restarted app's log has no 'restored task' line")
        common.log(name, f"PASS: {len(expected.avg)} averages, {len(expected.max)} maxima, "
                         f"{len(expected.alerts())} alerts ({alerts_a} before the stop) exact and each once; "
                         f"settled {took:.1f}s after the restart")
    finally:
        reader.close()


def body(h):
    bs = common.bootstrap_servers()
    unknown = sorted(set(SCENARIOS) - {"keep-state", "delete-state", "late-first"})
    if unknown:
        raise common.TestFailure(f"unknown scenarios in KSTREAMS_IT_SCENARIOS: {unknown}")
    common.log(NAME, f"broker {bs}, scenarios {SCENARIOS}")
    failures = []
    for which in SCENARIOS:
        try:
            scenario(h, bs, which)
        except common.TestFailure as e:
            common.log(NAME, f"{which}: FAIL: {e}")
            failures.append(which)
        for r in h.routers:
            r.kill()
    if failures:
        raise common.TestFailure(f"scenarios failed: {failures} (see above)")
    print(f"{NAME}: {len(SCENARIOS)} scenarios passed: {SCENARIOS}", flush=True)


if __name__ == "__main__":
    sys.exit(common.main(NAME, body, hard_timeout=400))
