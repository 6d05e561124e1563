// Word count, as Kafka Streams' WordCountDemo: lines in, word -> count out.
#pragma once

#include <kstreams/kstreams.h>

#include <string>
#include <string_view>
#include <vector>

namespace examples::wordcount {

/// Lower-cases ASCII letters and splits on runs of non-word characters (anything
/// but [a-zA-Z0-9_]), exactly as Java's `line.toLowerCase().split("\\W+")`: a
/// leading separator gives a leading empty word, trailing empty words are dropped,
/// and an empty line gives one empty word.
std::vector<std::string> splitWords(std::string_view line);

/// input (lines) -> output (word -> Int64 count), counts in store "word-counts".
kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputTopic);

}  // namespace examples::wordcount
