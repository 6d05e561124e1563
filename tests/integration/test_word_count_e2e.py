#!/usr/bin/env python3
"""End to end: examples/word-count over a 1,000,000-line corpus (random words
from a vocabulary of a few thousand, mixed case, punctuation, non-ASCII
separators, invalid UTF-8, empty lines, lines starting with punctuation, a few
long lines), produced with kcat (a slice) and confluent_kafka into a
4-partition topic. The output's latest value per word must equal the counts
computed here, independently, with Java's `line.toLowerCase().split("\\W+")`
semantics (checked on its edge cases first). Prints the time taken.
Run with /usr/bin/python3; see common.py for the environment
(KSTREAMS_IT_LINES overrides the corpus size, KSTREAMS_IT_THREADS the number
of stream threads)."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "word_count_e2e"
LINES = int(os.environ.get("KSTREAMS_IT_LINES", 1_000_000))
KCAT_LINES = 20_000
VOCABULARY = 3_000
PARTITIONS = 4
THREADS = int(os.environ.get("KSTREAMS_IT_THREADS", 1))
OUTPUT_TIMEOUT = int(os.environ.get("KSTREAMS_IT_OUTPUT_TIMEOUT", 420))


def body(h):
    checked = common.check_java_split()
    common.log(NAME, f"reference split checked on {checked} edge cases")
    bs = common.bootstrap_servers()
    rid = common.run_id()
    input_topic = f"it-wc-e2e-{rid}-lines"
    output_topic = f"it-wc-e2e-{rid}-counts"
    app_id = f"it-wc-e2e-{rid}"
    repartition = f"{app_id}-word-counts-repartition"
    common.log(NAME, f"broker {bs}, input {input_topic}, output {output_topic}, application id {app_id}")

    t = time.time()
    vocabulary = common.word_vocabulary(VOCABULARY, seed=11)
    kcat_lines = common.generate_lines(KCAT_LINES, seed=12, vocabulary=vocabulary, allow_empty=False)
    lines = common.generate_lines(LINES - KCAT_LINES, seed=13, vocabulary=vocabulary, invalid_utf8=True)
    expected = common.count_words(kcat_lines)
    common.count_words(lines, expected)
    expected = dict(expected)
    total_words = sum(expected.values())
    common.log(NAME, f"generated {LINES} lines: {total_words} words, {len(expected)} distinct "
                     f"({expected.get('', 0)} empty words) in {time.time() - t:.1f}s")

    common.create_topics(bs, [input_topic, output_topic], PARTITIONS)
    reader = common.CountReader(bs, output_topic, PARTITIONS)
    try:
        t0 = time.time()
        app = common.start_word_count(h, "word-count", bs, app_id, os.path.join(h.tmp, "state"), input_topic,
                                      output_topic, extra_args=["--threads", str(THREADS)])
        common.produce_lines_kcat(bs, input_topic, kcat_lines)
        common.produce_lines_python(bs, input_topic, lines, seed=14)
        produced_at = time.time()
        common.log(NAME, f"produced {LINES} lines ({KCAT_LINES} with kcat) in {produced_at - t0:.1f}s")

        if not common.wait_counts(NAME, reader, bs, app_id, [input_topic, repartition], PARTITIONS, expected,
                                  [app], OUTPUT_TIMEOUT):
            common.check_counts(NAME, expected, reader)
            raise common.TestFailure(f"output did not settle within {OUTPUT_TIMEOUT}s")
        settled = time.time()
        common.log(NAME, f"output settled {settled - t0:.1f}s after the start "
                         f"({settled - produced_at:.1f}s after the last line was produced)")

        code = app.terminate(60)
        if code != 0:
            raise common.TestFailure(f"word-count exited with {code} after SIGTERM (expected 0)\n{app.log_tail()}")
        reader.poll(2)
        common.check_counts(NAME, expected, reader)
        print(f"{NAME}: {LINES} lines, {total_words} words, {len(reader.latest)}/{len(expected)} distinct words "
              f"exact, {reader.records} output records; processed in {settled - t0:.1f}s", flush=True)
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(common.main(NAME, body))
