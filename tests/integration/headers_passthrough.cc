// headers-passthrough: a test program for the headers integration test.
// stream(input).to(output): every record goes out with its key, value,
// timestamp and headers as they came in, as in Kafka Streams.
#include <kstreams/kstreams.h>

#include <string>

#include "common/cli.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("headers-passthrough");
  flags.push_back({"input", "input", "input topic"});
  flags.push_back({"output", "output", "output topic"});
  const auto values = examples::parseFlags(argc, argv, "headers-passthrough",
                                           "Copies every record of a topic to another, headers included.", flags);
  kstreams::StreamsBuilder builder;
  builder.stream<std::string, std::string>(values.at("input")).to(values.at("output"));
  return examples::runUntilSignal(builder.build(), examples::commonProperties(values), "headers-passthrough");
}
