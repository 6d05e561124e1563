// order-reconcile: the orders of an old and a new order service in; every order
// whose two versions differ, or that only one service produced, out; matches and
// mismatches counted per minute.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "common/cli.h"
#include "order-reconcile/order_reconcile.h"

namespace {

/// A non-negative number of milliseconds, or exit 2 naming the flag.
std::chrono::milliseconds millisFlag(const std::map<std::string, std::string>& values, const std::string& flag) {
  const std::string& text = values.at(flag);
  char* end = nullptr;
  errno = 0;
  const long long ms = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || errno == ERANGE || ms < 0 ||
      ms > std::numeric_limits<int64_t>::max() / 4) {
    std::fprintf(stderr, "order-reconcile: --%s needs a non-negative whole number of milliseconds, got '%s'\n",
                 flag.c_str(), text.c_str());
    std::exit(2);
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("order-reconcile");
  flags.push_back({"old", "ORDER", "input topic of the old order service (JSON orders keyed by order id)"});
  flags.push_back({"new", "ORDERNEW", "input topic of the new order service (same partition count as --old)"});
  flags.push_back({"output", "reconcile-mismatches",
                   "mismatches, keyed by order id; malformed records go to <output>-invalid"});
  flags.push_back({"counts-output", "reconcile-counts",
                   "counts per minute: \"<window start ISO>/<status>\" -> Int64"});
  flags.push_back({"window-ms", "60000", "how far apart in event time the two versions of an order may be"});
  flags.push_back({"grace-ms", "10000", "how late after the window a version is still joined"});
  flags.push_back({"counts-grace-ms", "",
                   "how late a result may reach its count window; when none, window + grace + 60000\n"
                   "                         (raise it to count a backlog read unevenly across partitions)"});
  const auto values = examples::parseFlags(
      argc, argv, "order-reconcile",
      "Joins the orders of the old (--old) and the new (--new) order service by order id\n"
      "within --window-ms of event time (a windowed outer join) and writes to --output every\n"
      "order whose versions differ or that only one side produced:\n"
      "  {\"id\", \"status\": \"mismatch\"|\"missing-in-new\"|\"missing-in-old\", \"old\", \"new\"}\n"
      "An order without a partner is reported once stream time passes its time + window + grace.\n"
      "Counts per 1-minute window and status (match, mismatch, missing-in-new, missing-in-old,\n"
      "invalid) go to --counts-output, updated with every result. Records with a null key are\n"
      "keyed by their \"id\" field; malformed records go to <output>-invalid with an 'error'\n"
      "header. Both input topics must have the same number of partitions.",
      flags);
  examples::orderreconcile::Options options;
  options.oldTopic = values.at("old");
  options.newTopic = values.at("new");
  options.output = values.at("output");
  options.countsOutput = values.at("counts-output");
  options.window = millisFlag(values, "window-ms");
  options.grace = millisFlag(values, "grace-ms");
  if (!values.at("counts-grace-ms").empty()) options.countsGrace = millisFlag(values, "counts-grace-ms");
  for (const char* flag : {"old", "new", "output", "counts-output"}) {
    if (values.at(flag).empty()) {
      std::fprintf(stderr, "order-reconcile: --%s needs a topic name\n", flag);
      return 2;
    }
  }
  if (options.oldTopic == options.newTopic) {
    std::fprintf(stderr, "order-reconcile: --old and --new name the same topic '%s'; give the two services' topics\n",
                 options.oldTopic.c_str());
    return 2;
  }
  try {
    const auto topology = examples::orderreconcile::buildTopology(options);
    return examples::runUntilSignal(topology, examples::commonProperties(values), "order-reconcile");
  } catch (const kstreams::StreamsException& e) {
    std::fprintf(stderr, "order-reconcile: %s\n", e.what());
    return 1;
  }
}
