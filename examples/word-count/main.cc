// word-count: lines in, word -> count (Int64) out, as Kafka Streams' WordCountDemo.
#include "common/cli.h"
#include "word-count/word_count.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("word-count");
  flags.push_back({"input", "streams-plaintext-input", "input topic of text lines"});
  flags.push_back({"output", "streams-wordcount-output", "output topic: word -> count (Int64)"});
  const auto values = examples::parseFlags(argc, argv, "word-count",
                                           "Counts words (lower-cased, split on non-word characters).", flags);
  const auto topology = examples::wordcount::buildTopology(values.at("input"), values.at("output"));
  return examples::runUntilSignal(topology, examples::commonProperties(values), "word-count");
}
