#!/usr/bin/env python3
"""Damaged local state: examples/word-count counts part A1 and is stopped
cleanly; one task's RocksDB store is copied aside; it counts part A2 and is
stopped cleanly again. Then, one task each (the state directory holds
<application id>/<task>/.checkpoint and rocksdb/word-counts/):
  (a) bytes of the .checkpoint file are flipped,
  (b) CURRENT of the store is overwritten with garbage,
  (c) the newest .sst of the store is overwritten with garbage,
  (d) the store is replaced by the copy from after A1 (stale files behind a
      valid, newer checkpoint).
Part B is produced and the app restarted: the final counts must equal those of
A1+A2+B exactly (a damaged checkpoint or store is wiped and restored from the
changelog, never used) and the log must say, for each damaged task, that it was
wiped and restored. Run with /usr/bin/python3; see common.py for the
environment."""

import os
import random
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "word_count_corruption"
LINES = int(os.environ.get("KSTREAMS_IT_LINES", 200_000))
VOCABULARY = 3_000
PARTITIONS = 4
STORE = "word-counts"
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 150))


def run_until_settled(h, app, reader, bs, app_id, topics, expected, what):
    app.start()
    if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected, [app], OUTPUT_TIMEOUT):
        common.check_counts(NAME, expected, reader, what=what)
        raise common.TestFailure(f"{what} did not settle within {OUTPUT_TIMEOUT}s")
    code = app.terminate(60)
    if code != 0:
        raise common.TestFailure(f"word-count exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
    reader.poll(1)
    common.check_counts(NAME, expected, reader, what=what)
    common.log(NAME, f"{what} counted and stopped cleanly at {h.elapsed():.1f}s")


def flip_bytes(path, rng, n=3):
    data = bytearray(path.read_bytes())
    if not data:
        raise common.TestFailure(f"{path} is empty")
    for pos in rng.sample(range(len(data)), min(n, len(data))):
        data[pos] ^= 0xFF
    path.write_bytes(bytes(data))


def body(h):
    common.check_java_split()
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-wc-corrupt-{rid}-lines"
    output_topic = f"it-wc-corrupt-{rid}-counts"
    app_id = f"it-wc-corrupt-{rid}"
    topics = [input_topic, f"{app_id}-word-counts-repartition"]
    rng = random.Random(41)
    common.log(NAME, f"broker {bs}, input {input_topic}, output {output_topic}, application id {app_id}")

    vocabulary = common.word_vocabulary(VOCABULARY, seed=42)
    quarter = LINES // 4
    part_a1 = common.generate_lines(quarter, seed=43, vocabulary=vocabulary)
    part_a2 = common.generate_lines(quarter, seed=44, vocabulary=vocabulary)
    part_b = common.generate_lines(LINES - 2 * quarter, seed=45, vocabulary=vocabulary)
    expected_a1 = dict(common.count_words(part_a1))
    expected_a2 = dict(common.count_words(part_a2, common.count_words(part_a1)))
    expected_b = dict(common.count_words(part_b, common.count_words(part_a2, common.count_words(part_a1))))

    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)
    reader = common.CountReader(bs, output_topic, PARTITIONS)
    try:
        app = common.WordCountApp("word-count", bs, app_id, os.path.join(h.tmp, "state"), input_topic,
                                  output_topic, workdir=h.tmp, extra_args=["--commit-interval-ms", "1000"])
        h.routers.append(app)

        common.produce_lines_python(bs, input_topic, part_a1, seed=46)
        run_until_settled(h, app, reader, bs, app_id, topics, expected_a1, "part A1")
        tasks = app.task_dirs()
        if len(tasks) < 4:
            raise common.TestFailure(f"expected 4 tasks with state, found {sorted(tasks)}")
        ids = sorted(tasks)
        t_checkpoint, t_current, t_sst, t_stale = ids[:4]
        stale_copy = os.path.join(h.tmp, "stale-store")
        shutil.copytree(tasks[t_stale] / "rocksdb" / STORE, stale_copy)

        common.produce_lines_python(bs, input_topic, part_a2, seed=47)
        run_until_settled(h, app, reader, bs, app_id, topics, expected_a2, "parts A1+A2")
        tasks = app.task_dirs()

        # (a) flipped bytes in the checkpoint
        cp = tasks[t_checkpoint] / ".checkpoint"
        if not cp.is_file():
            raise common.TestFailure(f"{cp} missing after a clean stop")
        flip_bytes(cp, rng)
        # (b) garbage in CURRENT
        current = tasks[t_current] / "rocksdb" / STORE / "CURRENT"
        if not current.is_file():
            raise common.TestFailure(f"{current} missing")
        current.write_bytes(rng.randbytes(64))
        # (c) garbage over the newest .sst
        ssts = sorted((tasks[t_sst] / "rocksdb" / STORE).glob("*.sst"))
        if not ssts:
            raise common.TestFailure(f"no .sst file in {tasks[t_sst] / 'rocksdb' / STORE} after a clean stop")
        ssts[-1].write_bytes(rng.randbytes(ssts[-1].stat().st_size))
        # (d) stale store files behind the newer checkpoint
        store_dir = tasks[t_stale] / "rocksdb" / STORE
        shutil.rmtree(store_dir)
        shutil.copytree(stale_copy, store_dir)
        damaged = {t_checkpoint: "flipped .checkpoint bytes", t_current: "garbage CURRENT",
                   t_sst: f"garbage {ssts[-1].name}", t_stale: "store files from before A2"}
        common.log(NAME, "damaged: " + ", ".join(f"{t}: {d}" for t, d in damaged.items()))

        common.produce_lines_python(bs, input_topic, part_b, seed=48)
        t0 = time.time()
        log_before = len(app.log_text())
        run_until_settled(h, app, reader, bs, app_id, topics, expected_b, "A1+A2+B after the damage")
        settled = time.time() - t0

        third_run = app.log_text()[log_before:]
        pattern = r".*(?:wiping|restored task|checkpoint is corrupt|could not be opened).*"
        for line in re.findall(pattern, third_run):
            common.log(NAME, f"log: {line.strip()}")
        problems = []
        restored = set(re.findall(r"restored task (\S+)", third_run))
        for t, what in damaged.items():
            if not re.search(rf"task {re.escape(t)}\b.*wip", third_run):
                problems.append(f"no log line about wiping task {t} ({what})")
            if t not in restored:
                problems.append(f"no 'restored task {t}' line ({what})")
        if problems:
            raise common.TestFailure("; ".join(problems))
        print(f"{NAME}: {LINES} lines, {len(expected_b)} distinct words exact after damaging 4 tasks' state "
              f"({', '.join(damaged.values())}); all wiped and restored; settled {settled:.1f}s after the restart",
              flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
