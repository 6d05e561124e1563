// The log router: web-server access events in, one topic per status class out.
#pragma once

#include <kstreams/kstreams.h>

#include <optional>
#include <string>

namespace examples::logrouter {

/// What the router does with one input line.
struct Decision {
  enum class Route { DROP, S2XX, S3XX, S4XX, S5XX, INVALID };
  Route route = Route::INVALID;
  std::string body;   // the event with its IP masked (routes 2xx-5xx)
  std::string error;  // why the line is invalid (route INVALID)
};

/// Classifies one access event (JSON with ts, ip, method, path, status, bytes).
Decision route(const std::optional<std::string>& line);

/// "10.1.2.77" -> "10.1.2.0"; nullopt when `ip` is not a dotted IPv4 address.
std::optional<std::string> maskIpv4(const std::string& ip);

/// input -> <prefix>-2xx, -3xx, -4xx, -5xx; malformed lines to <prefix>-invalid
/// unchanged, with an `error` header; health checks dropped. Keys preserved.
kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix);

}  // namespace examples::logrouter
