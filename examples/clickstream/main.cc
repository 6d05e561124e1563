// clickstream: click events in; clicks per item and a profile per user out, for
// a recommender.
#include "clickstream/clickstream.h"
#include "common/cli.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("clickstream");
  flags.push_back({"input", "clicks", "input topic of JSON click events {user, item, category, ts}"});
  flags.push_back({"output-prefix", "clickstream",
                   "output topics are <prefix>-item-clicks, -user-profiles, -invalid"});
  const auto values = examples::parseFlags(
      argc, argv, "clickstream",
      "Counts clicks per item (<prefix>-item-clicks: item -> Int64) and keeps a profile per user\n"
      "(<prefix>-user-profiles: user -> JSON with clicks per category and the 5 most recent\n"
      "items); malformed events go to <prefix>-invalid with an 'error' header.",
      flags);
  const auto topology = examples::clickstream::buildTopology(values.at("input"), values.at("output-prefix"));
  return examples::runUntilSignal(topology, examples::commonProperties(values), "clickstream");
}
