#include "word-count/word_count.h"

namespace examples::wordcount {

namespace {
bool isWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
}  // namespace

std::vector<std::string> splitWords(std::string_view line) {
  std::vector<std::string> words;
  std::string current;
  bool inSeparator = false;
  for (unsigned char c : line) {
    if (isWordChar(c)) {
      if (inSeparator) {
        words.push_back(std::move(current));
        current.clear();
        inSeparator = false;
      }
      current.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else {
      inSeparator = true;
    }
  }
  words.push_back(std::move(current));
  // Java's split drops trailing empty strings, unless nothing else is left.
  while (words.size() > 1 && words.back().empty()) words.pop_back();
  if (words.size() == 1 && words[0].empty() && !line.empty()) words.clear();
  return words;
}

kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputTopic) {
  using namespace kstreams;
  StreamsBuilder builder;
  builder.stream(inputTopic, Consumed::with(Serdes::Nullable(Serdes::String()), Serdes::String()))
      .flatMapValues([](const std::string& line) { return splitWords(line); })
      .groupBy([](const std::optional<std::string>&, const std::string& word) { return word; },
               Grouped::with(Serdes::String(), Serdes::String()))
      .count(Materialized::as("word-counts"))
      .toStream()
      .to(outputTopic, Produced::with(Serdes::String(), Serdes::Int64()));
  return builder.build();
}

}  // namespace examples::wordcount
