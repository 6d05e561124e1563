#include "log-router/log_router.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <memory>

namespace examples::logrouter {

using Key = std::optional<std::string>;
using Line = std::optional<std::string>;

std::optional<std::string> maskIpv4(const std::string& ip) {
  std::string out;
  size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    const size_t end = octet < 3 ? ip.find('.', pos) : ip.size();
    if (end == std::string::npos || end == pos || end - pos > 3) return std::nullopt;
    for (size_t i = pos; i < end; ++i) {
      if (ip[i] < '0' || ip[i] > '9') return std::nullopt;
    }
    int value = 0;
    auto [ptr, ec] = std::from_chars(ip.data() + pos, ip.data() + end, value);
    if (ec != std::errc() || ptr != ip.data() + end || value > 255) return std::nullopt;
    out += octet < 3 ? ip.substr(pos, end - pos) + "." : "0";
    pos = end + 1;
  }
  return out;
}

Decision route(const std::optional<std::string>& line) {
  Decision d;
  auto invalid = [&](std::string why) {
    d.route = Decision::Route::INVALID;
    d.error = std::move(why);
    return d;
  };
  if (!line) return invalid("null value");
  auto event = nlohmann::ordered_json::parse(*line, nullptr, false);
  if (event.is_discarded()) return invalid("not JSON");
  if (!event.is_object()) return invalid("not a JSON object");
  for (const char* field : {"ts", "status", "bytes"}) {
    if (!event.contains(field)) return invalid(std::string("missing field ") + field);
    if (!event[field].is_number_integer()) return invalid(std::string("field ") + field + " is not an integer");
  }
  for (const char* field : {"ip", "method", "path"}) {
    if (!event.contains(field)) return invalid(std::string("missing field ") + field);
    if (!event[field].is_string()) return invalid(std::string("field ") + field + " is not a string");
  }
  const auto status = event["status"].get<int64_t>();
  if (status < 200 || status > 599) return invalid("status " + std::to_string(status) + " is outside 200-599");
  auto masked = maskIpv4(event["ip"].get<std::string>());
  if (!masked) return invalid("ip is not an IPv4 address");

  std::string path = event["path"].get<std::string>();
  path = path.substr(0, path.find('?'));
  if (path == "/health" || path == "/healthz") {
    d.route = Decision::Route::DROP;
    return d;
  }
  event["ip"] = *masked;
  d.body = event.dump();
  d.route = static_cast<Decision::Route>(static_cast<int>(Decision::Route::S2XX) + (status / 100 - 2));
  return d;
}

namespace {

/// Classifies each line; an invalid line keeps its bytes and gains an `error` header.
class RouteProcessor final : public kstreams::FixedKeyProcessor<Key, Line, std::pair<Decision::Route, Line>> {
 public:
  void process(const kstreams::FixedKeyRecord<Key, Line>& record) override {
    Decision d = route(record.value());
    switch (d.route) {
      case Decision::Route::DROP:
        return;
      case Decision::Route::INVALID: {
        auto out = record.withValue(std::pair{d.route, record.value()});
        out.headers().add("error", d.error);
        context().forward(out);
        return;
      }
      default:
        context().forward(record.withValue(std::pair{d.route, Line(std::move(d.body))}));
    }
  }
};

}  // namespace

kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix) {
  using kstreams::Branched;
  using kstreams::Named;
  using kstreams::Serdes;
  using Routed = std::pair<Decision::Route, Line>;
  auto keySerde = Serdes::Nullable(Serdes::String());
  auto lineSerde = Serdes::Nullable(Serdes::String());

  kstreams::StreamsBuilder builder;
  auto routed = builder.stream(inputTopic, kstreams::Consumed::with(keySerde, lineSerde))
                    .processValues([] { return std::make_unique<RouteProcessor>(); }, Named::as("route"));

  auto sendTo = [&](const std::string& suffix) {
    return [=](const kstreams::KStream<Key, Routed>& branch) {
      branch.mapValues([](const Routed& r) { return r.second; }, Named::as("unwrap-" + suffix))
          .to(outputPrefix + "-" + suffix, kstreams::Produced::with(keySerde, lineSerde).withName("to-" + suffix));
    };
  };
  auto is = [](Decision::Route want) { return [want](const Key&, const Routed& r) { return r.first == want; }; };

  routed.split(Named::as("status-"))
      .branch(is(Decision::Route::S2XX), Branched::withConsumer(sendTo("2xx"), "2xx"))
      .branch(is(Decision::Route::S3XX), Branched::withConsumer(sendTo("3xx"), "3xx"))
      .branch(is(Decision::Route::S4XX), Branched::withConsumer(sendTo("4xx"), "4xx"))
      .branch(is(Decision::Route::S5XX), Branched::withConsumer(sendTo("5xx"), "5xx"))
      .defaultBranch(Branched::withConsumer(sendTo("invalid"), "invalid"));
  return builder.build();
}

}  // namespace examples::logrouter
