#!/usr/bin/env python3
"""Scale-out and hand-over: two examples/log-router processes with the same
application id share a 4-partition input. Half the events are produced, the
test waits until the consumer group has both members and the first half is out,
SIGTERMs one instance (it must exit 0), produces the second half and checks
that the survivor takes over: nothing missing or wrong, duplicates counted.
Run with /usr/bin/python3; see common.py for the environment."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "log_router_scaleout"
EVENTS = int(os.environ.get("KSTREAMS_IT_EVENTS", 200_000))
KCAT_EVENTS = 1_000
PARTITIONS = 4
GROUP_TIMEOUT = 120
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 300))


def describe_group(admin, group):
    """Returns (state, [(client_id, {topic: partitions} or None)]) or None if unknown."""
    try:
        groups = admin.list_groups(group=group, timeout=10)
    except Exception as e:  # noqa: BLE001 - not fatal, the test falls back to output progress
        common.log(NAME, f"list_groups failed: {e}")
        return None
    for g in groups:
        if g.id == group:
            return g.state, [(m.client_id, common.parse_group_assignment(m.assignment or b"")) for m in g.members]
    return None


def input_partitions(members, topic):
    return [sorted((a or {}).get(topic, [])) for _, a in members]


def body(h):
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-scale-{rid}-access"
    prefix = f"it-scale-{rid}"
    app_id = f"it-scale-{rid}-router"
    common.log(NAME, f"broker {bs}, input {input_topic}, outputs {prefix}-*, application id {app_id}")

    events = common.generate_events(EVENTS, seed=3, text_only=range(KCAT_EVENTS))
    counts = common.summarize_events(events)
    first, second = events[: EVENTS // 2], events[EVENTS // 2:]
    common.log(NAME, f"generated {EVENTS} events: {counts}")
    common.create_topics(bs, [input_topic] + list(common.output_topics(prefix).values()), PARTITIONS)

    a = h.router("router-a", bs, app_id, os.path.join(h.tmp, "state-a"), input_topic, prefix).start()
    b = h.router("router-b", bs, app_id, os.path.join(h.tmp, "state-b"), input_topic, prefix).start()
    reader = h.reader(bs, prefix, events, PARTITIONS)
    admin = common.admin_client(bs)

    # Both instances in the group, each owning input partitions.
    deadline = time.time() + GROUP_TIMEOUT
    group_seen = False
    while True:
        a.check_alive()
        b.check_alive()
        info = describe_group(admin, app_id)
        if info is not None:
            group_seen = True
            state, members = info
            parts = input_partitions(members, input_topic)
            if state == "Stable" and len(members) == 2 and (
                    all(parts) or any(m[1] is None for m in members)):
                common.log(NAME, f"group {app_id} is Stable with 2 members, input partitions {parts}")
                break
        if time.time() > deadline:
            if group_seen:
                raise common.TestFailure(f"group {app_id} did not reach 2 members with partitions each within "
                                         f"{GROUP_TIMEOUT}s: {info}")
            common.log(NAME, f"group {app_id} not visible with list_groups; relying on output progress only")
            break
        reader.poll(0.5)

    common.produce_kcat(bs, input_topic, first[:KCAT_EVENTS])
    common.produce_python(bs, input_topic, first[KCAT_EVENTS:])
    first_keys = [ev["key"] for ev in first if ev["expect"] != "drop"]
    if not reader.wait_for(lambda: all(k in reader.seen for k in first_keys), OUTPUT_TIMEOUT,
                           routers=[a, b], what="the first half", name=NAME):
        raise common.TestFailure(f"first half of the output incomplete after {OUTPUT_TIMEOUT}s")
    common.log(NAME, f"first half out ({reader.distinct_expected_seen()} records) at {h.elapsed():.1f}s")
    info = describe_group(admin, app_id)
    if info is not None:
        common.log(NAME, f"group before the stop: {info[0]}, input partitions {input_partitions(info[1], input_topic)}")
        if len(info[1]) != 2:
            raise common.TestFailure(f"expected 2 group members while both instances run, found {info}")

    code = a.terminate(60)
    if code != 0:
        raise common.TestFailure(f"router-a exited with {code} after SIGTERM (expected 0)\n{a.log_tail()}")
    common.log(NAME, f"router-a stopped with exit code 0 at {h.elapsed():.1f}s; producing the second half")

    common.produce_python(bs, input_topic, second)
    t0 = h.elapsed()
    if not reader.wait_for(reader.complete, OUTPUT_TIMEOUT, routers=[b], name=NAME):
        common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=True)
        raise common.TestFailure(f"output incomplete {OUTPUT_TIMEOUT}s after router-a stopped")
    common.log(NAME, f"all {reader.expected_total} expected records arrived {h.elapsed() - t0:.1f}s after "
                     f"the second half was produced")
    info = describe_group(admin, app_id)
    if info is not None:
        common.log(NAME, f"group after the hand-over: {info[0]}, input partitions "
                         f"{input_partitions(info[1], input_topic)}")
    reader.poll(3)

    code = b.terminate(60)
    if code != 0:
        raise common.TestFailure(f"router-b exited with {code} after SIGTERM (expected 0)\n{b.log_tail()}")
    reader.poll(1)
    common.log(NAME, "per topic: " + ", ".join(f"-{x} {reader.per_topic[x]}" for x in common.BUCKETS))
    common.check_results(NAME, reader, EVENTS, counts.get("drop", 0), allow_duplicates=True)


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
