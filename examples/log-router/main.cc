// log-router: routes web-server access events by status class.
#include "common/cli.h"
#include "log-router/log_router.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("log-router");
  flags.push_back({"input", "access-log", "input topic of JSON access events"});
  flags.push_back({"output-prefix", "access", "output topics are <prefix>-2xx, -3xx, -4xx, -5xx, -invalid"});
  const auto values = examples::parseFlags(
      argc, argv, "log-router",
      "Drops health checks, masks the last octet of client IPs and routes access events by\n"
      "status class; malformed lines go to <prefix>-invalid with an 'error' header.",
      flags);
  auto props = examples::commonProperties(values);
  const auto topology = examples::logrouter::buildTopology(values.at("input"), values.at("output-prefix"));
  return examples::runUntilSignal(topology, props, "log-router");
}
