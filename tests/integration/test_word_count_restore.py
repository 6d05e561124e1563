#!/usr/bin/env python3
"""Restore from the changelog: examples/word-count counts part A and is stopped
with SIGTERM (it must exit 0); its state directory is deleted, part B is
produced, and it is restarted with the same application id. The final counts
must equal those of A+B, so the state came back from the changelog, and the log
must say so ("restored task ...", with the restore time) for every task that
had state. Run with /usr/bin/python3; see common.py for the environment."""

import os
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "word_count_restore"
LINES = int(os.environ.get("KSTREAMS_IT_LINES", 200_000))
KCAT_LINES = 2_000
VOCABULARY = 3_000
PARTITIONS = 4
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 180))


def body(h):
    common.check_java_split()
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-wc-restore-{rid}-lines"
    output_topic = f"it-wc-restore-{rid}-counts"
    app_id = f"it-wc-restore-{rid}"
    topics = [input_topic, f"{app_id}-word-counts-repartition"]
    state_dir = os.path.join(h.tmp, "state")
    common.log(NAME, f"broker {bs}, input {input_topic}, output {output_topic}, application id {app_id}")

    vocabulary = common.word_vocabulary(VOCABULARY, seed=21)
    half = LINES // 2
    kcat_a = common.generate_lines(KCAT_LINES, seed=22, vocabulary=vocabulary, allow_empty=False)
    part_a = common.generate_lines(half - KCAT_LINES, seed=23, vocabulary=vocabulary)
    part_b = common.generate_lines(LINES - half, seed=24, vocabulary=vocabulary)
    expected_a = dict(common.count_words(part_a, common.count_words(kcat_a)))
    expected_ab = dict(common.count_words(part_b, common.count_words(part_a, common.count_words(kcat_a))))

    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)
    reader = common.CountReader(bs, output_topic, PARTITIONS)
    try:
        app = common.start_word_count(h, "word-count", bs, app_id, state_dir, input_topic, output_topic)
        common.produce_lines_kcat(bs, input_topic, kcat_a)
        common.produce_lines_python(bs, input_topic, part_a, seed=25)
        if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected_a, [app],
                                  OUTPUT_TIMEOUT):
            common.check_counts(NAME, expected_a, reader, what="part A")
            raise common.TestFailure(f"part A did not settle within {OUTPUT_TIMEOUT}s")
        common.check_counts(NAME, expected_a, reader, what="part A")
        common.log(NAME, f"part A ({half} lines, {len(expected_a)} words) counted at {h.elapsed():.1f}s")

        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        tasks = app.task_dirs()
        if not tasks:
            raise common.TestFailure(f"no task directory with a rocksdb/ folder under {state_dir}/{app_id}")
        common.log(NAME, f"stopped; tasks with state: {sorted(tasks)}; deleting {state_dir}")
        shutil.rmtree(state_dir)

        common.produce_lines_python(bs, input_topic, part_b, seed=26)
        t0 = time.time()
        app.start()
        common.log(NAME, f"produced part B ({LINES - half} lines) and restarted with an empty state directory")
        if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected_ab, [app],
                                  OUTPUT_TIMEOUT):
            common.check_counts(NAME, expected_ab, reader, what="A+B after the restore")
            raise common.TestFailure(f"A+B did not settle within {OUTPUT_TIMEOUT}s of the restart")
        settled = time.time() - t0
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        reader.poll(1)
        common.check_counts(NAME, expected_ab, reader, what="A+B after the restore")

        second_run = app.log_text().split("==== start #2", 1)[-1]
        restored = re.findall(r"restored task (\S+).*", second_run)
        for line in re.findall(r".*restored task .*", second_run):
            common.log(NAME, f"log: {line.strip()}")
        if not restored:
            raise common.TestFailure("the restarted word-count's log has no 'restored task' line")
        not_restored = sorted(set(tasks) - set(restored))
        if not_restored:
            raise common.TestFailure(f"tasks {not_restored} had state but their restore was not logged "
                                     f"(restored: {restored})")
        print(f"{NAME}: {LINES} lines, {len(expected_ab)} distinct words exact after deleting the state; "
              f"{len(restored)} tasks restored from the changelog; settled {settled:.1f}s after the restart",
              flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
