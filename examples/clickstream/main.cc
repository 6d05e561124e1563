// clickstream: click events in; clicks per item and a profile per user out, for
// a recommender; with --profiles, clicks enriched with their user's segment.
#include "clickstream/clickstream.h"
#include "common/cli.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("clickstream");
  flags.push_back({"input", "clicks", "input topic of JSON click events {user, item, category, ts}"});
  flags.push_back({"output-prefix", "clickstream",
                   "output topics are <prefix>-item-clicks, -user-profiles, -invalid (and -enriched-clicks)"});
  flags.push_back({"profiles", "",
                   "optional table topic of JSON user profiles {user, segment, ...} keyed by user id; when given,\n"
                   "                         clicks enriched with the segment go to <prefix>-enriched-clicks"});
  const auto values = examples::parseFlags(
      argc, argv, "clickstream",
      "Counts clicks per item (<prefix>-item-clicks: item -> Int64) and keeps a profile per user\n"
      "(<prefix>-user-profiles: user -> JSON with clicks per category and the 5 most recent\n"
      "items); malformed events go to <prefix>-invalid with an 'error' header. With --profiles\n"
      "(a table: the latest profile per user id; a null value deletes it), every click is written\n"
      "to <prefix>-enriched-clicks as {user, item, category, ts, segment}, segment null when the\n"
      "user has no profile; the profiles topic then sets the partition count of the repartition\n"
      "by user.",
      flags);
  const auto topology = examples::clickstream::buildTopology(values.at("input"), values.at("output-prefix"),
                                                             values.at("profiles"));
  return examples::runUntilSignal(topology, examples::commonProperties(values), "clickstream");
}
