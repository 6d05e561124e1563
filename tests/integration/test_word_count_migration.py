#!/usr/bin/env python3
"""Task migration: two examples/word-count processes with the same application
id and their own state directories share a 4-partition input. Once the group
is Stable with both members owning input partitions, part A is produced and
counted; one process is stopped with SIGTERM (it must exit 0), part B is
produced, and the survivor must take over the stopped one's tasks, restoring
their counts from the changelogs: the final counts must equal those of A+B, and
the survivor's log must show the restore of every task the stopped one had
state for. Run with /usr/bin/python3; see common.py for the environment."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "word_count_migration"
LINES = int(os.environ.get("KSTREAMS_IT_LINES", 200_000))
KCAT_LINES = 2_000
VOCABULARY = 3_000
PARTITIONS = 4
GROUP_TIMEOUT = 120
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 180))


def input_partitions(members, topic):
    return [sorted((a or {}).get(topic, [])) for _, a in members]


def wait_for_two_members(h, admin, app_id, input_topic, apps):
    deadline = time.time() + GROUP_TIMEOUT
    info = None
    while True:
        for a in apps:
            a.check_alive()
        info = common.group_members(admin, app_id)
        if info is not None:
            state, members = info
            parts = input_partitions(members, input_topic)
            if state == "Stable" and len(members) == 2 and all(parts):
                common.log(NAME, f"group {app_id} is Stable with 2 members at {h.elapsed():.1f}s, "
                                 f"input partitions {parts}")
                return
        if time.time() > deadline:
            raise common.TestFailure(f"group {app_id} did not reach 2 members owning input partitions within "
                                     f"{GROUP_TIMEOUT}s: {info}")
        time.sleep(0.5)


def body(h):
    common.check_java_split()
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-wc-migrate-{rid}-lines"
    output_topic = f"it-wc-migrate-{rid}-counts"
    app_id = f"it-wc-migrate-{rid}"
    topics = [input_topic, f"{app_id}-word-counts-repartition"]
    common.log(NAME, f"broker {bs}, input {input_topic}, output {output_topic}, application id {app_id}")

    vocabulary = common.word_vocabulary(VOCABULARY, seed=31)
    half = LINES // 2
    kcat_a = common.generate_lines(KCAT_LINES, seed=32, vocabulary=vocabulary, allow_empty=False)
    part_a = common.generate_lines(half - KCAT_LINES, seed=33, vocabulary=vocabulary)
    part_b = common.generate_lines(LINES - half, seed=34, vocabulary=vocabulary)
    expected_a = dict(common.count_words(part_a, common.count_words(kcat_a)))
    expected_ab = dict(common.count_words(part_b, common.count_words(part_a, common.count_words(kcat_a))))

    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)
    admin = common.admin_client(bs)
    reader = common.CountReader(bs, output_topic, PARTITIONS)
    try:
        a = common.start_word_count(h, "word-count-a", bs, app_id, os.path.join(h.tmp, "state-a"), input_topic,
                                    output_topic)
        b = common.start_word_count(h, "word-count-b", bs, app_id, os.path.join(h.tmp, "state-b"), input_topic,
                                    output_topic)
        wait_for_two_members(h, admin, app_id, input_topic, [a, b])

        common.produce_lines_kcat(bs, input_topic, kcat_a)
        common.produce_lines_python(bs, input_topic, part_a, seed=35)
        if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected_a, [a, b],
                                  OUTPUT_TIMEOUT):
            common.check_counts(NAME, expected_a, reader, what="part A")
            raise common.TestFailure(f"part A did not settle within {OUTPUT_TIMEOUT}s")
        common.check_counts(NAME, expected_a, reader, what="part A")
        info = common.group_members(admin, app_id)
        common.log(NAME, f"part A ({half} lines) counted at {h.elapsed():.1f}s; group {info and info[0]}, "
                         f"input partitions {info and input_partitions(info[1], input_topic)}")
        if info is None or len(info[1]) != 2:
            raise common.TestFailure(f"expected 2 group members while both processes run, found {info}")

        code = a.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count-a exited with {code} after SIGTERM (expected 0)\n{a.log_tail()}")
        # The tasks word-count-a owned when it stopped (its last assignment) and
        # had state for: a task it owned only before word-count-b joined has
        # nothing to restore.
        assigned = re.findall(r"assigned tasks: \[([^\]]*)\]", a.log_text())
        if not assigned:
            raise common.TestFailure(f"no 'assigned tasks' line in word-count-a's log\n{a.log_tail()}")
        moved = sorted(set(assigned[-1].split()) & set(a.task_dirs()))
        if not moved:
            raise common.TestFailure(f"word-count-a owned no stateful task when it stopped (last assignment: "
                                     f"{assigned[-1]}, state for {sorted(a.task_dirs())})")
        b_log_before = len(b.log_text())
        common.log(NAME, f"word-count-a stopped (exit 0) at {h.elapsed():.1f}s; it had state for tasks {moved}")

        common.produce_lines_python(bs, input_topic, part_b, seed=36)
        t0 = time.time()
        if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected_ab, [b],
                                  OUTPUT_TIMEOUT):
            common.check_counts(NAME, expected_ab, reader, what="A+B after the hand-over")
            raise common.TestFailure(f"A+B did not settle within {OUTPUT_TIMEOUT}s after word-count-a stopped")
        settled = time.time() - t0
        info = common.group_members(admin, app_id)
        common.log(NAME, f"A+B settled {settled:.1f}s after part B; group {info and info[0]}, input partitions "
                         f"{info and input_partitions(info[1], input_topic)}")

        code = b.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count-b exited with {code} after SIGTERM (expected 0)\n{b.log_tail()}")
        reader.poll(1)
        common.check_counts(NAME, expected_ab, reader, what="A+B after the hand-over")

        after = b.log_text()[b_log_before:]
        for line in re.findall(r".*(?:restored task|assigned tasks|revoked tasks).*", after):
            common.log(NAME, f"word-count-b log: {line.strip()}")
        restored = set(re.findall(r"restored task (\S+)", after))
        not_restored = [t for t in moved if t not in restored]
        if not_restored:
            raise common.TestFailure(f"word-count-b did not log restoring the moved tasks {not_restored} "
                                     f"(restored: {sorted(restored)})")
        print(f"{NAME}: {LINES} lines, {len(expected_ab)} distinct words exact after the hand-over; "
              f"tasks {moved} moved and restored; settled {settled:.1f}s after part B", flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
