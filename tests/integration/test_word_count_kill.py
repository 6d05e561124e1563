#!/usr/bin/env python3
"""Crash recovery: examples/word-count is SIGKILLed while input is still being
produced (paced), once about 40% of the words are counted in the output, and is
restarted with the same application id and state directory. Afterwards no word
may be missing or under-counted and no unknown word may appear; over-counts
(at-least-once: records processed again after the last commit) are allowed,
counted and printed, but must stay below what was counted before the kill.
The restart waits for the killed member's session to expire (librdkafka's
default session.timeout.ms, 45 s).
Run with /usr/bin/python3; see common.py for the environment."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "word_count_kill"
LINES = int(os.environ.get("KSTREAMS_IT_LINES", 200_000))
KCAT_LINES = 2_000
VOCABULARY = 3_000
PARTITIONS = 4
RATE = 20_000            # lines/s from the background producer
KILL_FRACTION = 0.4      # of all words counted in the output
# Includes the group's wait for the killed member's session to expire.
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 240))


def body(h):
    common.check_java_split()
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-wc-kill-{rid}-lines"
    output_topic = f"it-wc-kill-{rid}-counts"
    app_id = f"it-wc-kill-{rid}"
    topics = [input_topic, f"{app_id}-word-counts-repartition"]
    common.log(NAME, f"broker {bs}, input {input_topic}, output {output_topic}, application id {app_id}")

    vocabulary = common.word_vocabulary(VOCABULARY, seed=51)
    kcat_lines = common.generate_lines(KCAT_LINES, seed=52, vocabulary=vocabulary, allow_empty=False)
    lines = common.generate_lines(LINES - KCAT_LINES, seed=53, vocabulary=vocabulary)
    expected = dict(common.count_words(lines, common.count_words(kcat_lines)))
    total_words = sum(expected.values())

    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)
    reader = common.CountReader(bs, output_topic, PARTITIONS)
    try:
        common.produce_lines_kcat(bs, input_topic, kcat_lines)
        app = common.start_word_count(h, "word-count", bs, app_id, os.path.join(h.tmp, "state"), input_topic,
                                      output_topic)
        producer = common.BackgroundLineProducer(bs, input_topic, lines, seed=54, rate=RATE)
        h.producers.append(producer)
        producer.start()

        deadline = time.time() + OUTPUT_TIMEOUT
        while sum(reader.latest.values()) < KILL_FRACTION * total_words:
            app.check_alive()
            if producer.error:
                raise common.TestFailure(f"producer failed: {producer.error}")
            if time.time() > deadline:
                raise common.TestFailure(f"{KILL_FRACTION:.0%} of the words were not counted within "
                                         f"{OUTPUT_TIMEOUT}s ({sum(reader.latest.values())}/{total_words})")
            reader.poll(0.2)
        app.kill()
        counted_at_kill = sum(reader.latest.values())
        common.log(NAME, f"SIGKILLed word-count at {h.elapsed():.1f}s with {counted_at_kill}/"
                         f"{total_words} words counted (producer {'done' if producer.done else 'still running'})")
        time.sleep(0.5)
        t0 = time.time()
        app.start()
        common.log(NAME, "restarted word-count with the same application id and state directory")

        producer.join(120)
        if producer.error or not producer.done:
            raise common.TestFailure(f"producer failed or hung: {producer.error}")
        if not common.wait_counts(NAME, reader, bs, app_id, topics, PARTITIONS, expected, [app], OUTPUT_TIMEOUT,
                                  at_least=True):
            common.check_counts(NAME, expected, reader, what="counts after the restart", at_least=True)
            raise common.TestFailure(f"output did not settle within {OUTPUT_TIMEOUT}s of the restart")
        settled = time.time() - t0
        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        reader.poll(1)
        over = common.check_counts(NAME, expected, reader, what="counts after the restart", at_least=True)
        second_run = app.log_text().split("==== start #2", 1)[-1]
        for line in re.findall(r".*(?:wiping|restored task|checkpoint is corrupt|could not be opened).*",
                               second_run):
            common.log(NAME, f"log: {line.strip()}")
        excess = sum(reader.latest[w] - n for w, n in expected.items())
        # Reprocessing after the crash starts from the last committed offsets:
        # about one or two commit intervals of input are counted twice. Counting
        # everything done before the kill again means the commits were ignored.
        if excess >= counted_at_kill:
            raise common.TestFailure(f"{excess} words over-counted, at least as many as were counted before the "
                                     f"kill ({counted_at_kill}): the restart did not resume from committed offsets")
        print(f"{NAME}: {LINES} lines, {len(expected)} distinct words, none missing or under-counted; "
              f"{over} over-counted (by {excess} words in all, at-least-once); "
              f"settled {settled:.1f}s after the restart", flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
