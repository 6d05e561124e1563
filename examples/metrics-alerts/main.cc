// metrics-alerts: host metrics in; CPU averages per minute, CPU maxima over five
// minutes and alerts for minutes whose average CPU is above a threshold out.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/cli.h"
#include "metrics-alerts/metrics_alerts.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("metrics-alerts");
  flags.push_back({"input", "host-metrics", "input topic of JSON metrics {host, cpu, mem, ts}"});
  flags.push_back({"output-prefix", "metrics",
                   "output topics are <prefix>-cpu-avg-1m, -cpu-max-5m, -alerts, -invalid"});
  flags.push_back({"cpu-threshold", "80.0", "alert when a host's average CPU over a minute is above this"});
  const auto values = examples::parseFlags(
      argc, argv, "metrics-alerts",
      "Aggregates host metrics by event time (the JSON ts), per host:\n"
      "  <prefix>-cpu-avg-1m: average CPU per 1-minute window, updated with every record\n"
      "  <prefix>-cpu-max-5m: maximum CPU per 5-minute window, advancing by 1 minute\n"
      "  <prefix>-alerts:     one alert per 1-minute window whose final average is above\n"
      "                       --cpu-threshold, emitted when the window closes\n"
      "Keys are \"<host>@<window start ms>\", values JSON. Windows accept records up to 10 s\n"
      "after their end. Malformed events go to <prefix>-invalid with an 'error' header.",
      flags);
  const std::string thresholdText = values.at("cpu-threshold");
  char* end = nullptr;
  const double threshold = std::strtod(thresholdText.c_str(), &end);
  if (thresholdText.empty() || end == nullptr || *end != '\0' || !std::isfinite(threshold)) {
    std::fprintf(stderr, "metrics-alerts: --cpu-threshold needs a number, got '%s'\n", thresholdText.c_str());
    return 2;
  }
  const auto topology =
      examples::metricsalerts::buildTopology(values.at("input"), values.at("output-prefix"), threshold);
  return examples::runUntilSignal(topology, examples::commonProperties(values), "metrics-alerts");
}
