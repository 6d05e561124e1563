#include "order-reconcile/order_reconcile.h"

#include <ctime>
#include <memory>
#include <utility>

namespace examples::orderreconcile {

using Key = std::optional<std::string>;
using Value = std::optional<std::string>;
using json = nlohmann::json;

ParsedOrder parseOrder(const std::optional<std::string>& key, const std::optional<std::string>& value) {
  ParsedOrder parsed;
  auto invalid = [&](std::string why) {
    parsed.id.reset();
    parsed.order = json();
    parsed.error = std::move(why);
    return parsed;
  };
  if (!value) return invalid("null value");
  parsed.order = json::parse(*value, nullptr, false);
  if (parsed.order.is_discarded()) return invalid("not JSON");
  if (!parsed.order.is_object()) return invalid("not a JSON object");
  if (key && !key->empty()) {
    parsed.id = *key;
    return parsed;
  }
  const auto id = parsed.order.find("id");
  if (id == parsed.order.end() || id->is_null()) return invalid("no key and no \"id\" field");
  if (id->is_string()) {
    if (id->get_ref<const std::string&>().empty()) return invalid("no key and the \"id\" field is empty");
    parsed.id = id->get<std::string>();
  } else if (id->is_number_unsigned()) {
    parsed.id = std::to_string(id->get<uint64_t>());
  } else if (id->is_number_integer()) {
    parsed.id = std::to_string(id->get<int64_t>());
  } else {
    return invalid("no key and the \"id\" field is not a string or an integer");
  }
  return parsed;
}

json reconcile(const std::string& id, const std::optional<json>& oldOrder, const std::optional<json>& newOrder) {
  const char* status = kMatch;
  if (!newOrder) {
    status = kMissingInNew;
  } else if (!oldOrder) {
    status = kMissingInOld;
  } else if (*oldOrder != *newOrder) {
    status = kMismatch;
  }
  return json{{"id", id},
              {"status", status},
              {"old", oldOrder ? *oldOrder : json()},
              {"new", newOrder ? *newOrder : json()}};
}

std::string isoTime(int64_t epochMs) {
  const std::time_t seconds = static_cast<std::time_t>(epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

std::string countKey(const kstreams::Windowed<std::string>& window) {
  return isoTime(window.window.start) + "/" + window.key;
}

std::chrono::milliseconds countsGrace(const Options& options) {
  return options.countsGrace.value_or(options.window + options.grace + kCountWindow);
}

namespace {

/// A parsed record on its way to the keyed, the re-keyed or the invalid branch.
struct Routed {
  std::optional<std::string> id;  // set when valid
  json order;
  bool keyed = false;  // the record key is the id
  Value raw;           // the original value, kept when invalid
};

/// Parses each record; an invalid one keeps its bytes and gains `error` and
/// `source-topic` headers.
class ParseProcessor final : public kstreams::FixedKeyProcessor<Key, Value, Routed> {
 public:
  explicit ParseProcessor(std::string topic) : topic_(std::move(topic)) {}

  void process(const kstreams::FixedKeyRecord<Key, Value>& record) override {
    ParsedOrder parsed = parseOrder(record.key(), record.value());
    if (parsed.id) {
      const bool keyed = record.key().has_value() && !record.key()->empty();
      context().forward(record.withValue(Routed{std::move(parsed.id), std::move(parsed.order), keyed, std::nullopt}));
      return;
    }
    auto out = record.withValue(Routed{std::nullopt, json(), false, record.value()});
    out.headers().add("error", parsed.error);
    out.headers().add("source-topic", topic_);
    context().forward(out);
  }

 private:
  std::string topic_;
};

}  // namespace

kstreams::Topology buildTopology(const Options& options) {
  using kstreams::Branched;
  using kstreams::Consumed;
  using kstreams::Grouped;
  using kstreams::JoinWindows;
  using kstreams::KeyValue;
  using kstreams::KStream;
  using kstreams::Materialized;
  using kstreams::Named;
  using kstreams::Produced;
  using kstreams::Repartitioned;
  using kstreams::Serdes;
  using kstreams::StreamJoined;
  using kstreams::TimeWindows;
  using kstreams::Windowed;
  auto keySerde = Serdes::Nullable(Serdes::String());
  auto valueSerde = Serdes::Nullable(Serdes::String());
  auto jsonSerde = Serdes::Json<json>();

  kstreams::StreamsBuilder builder;

  // One side: its valid orders keyed by id, and its invalid records (raw).
  struct Side {
    KStream<Key, json> orders;
    KStream<Key, Value> invalid;
  };
  auto side = [&](const std::string& topic, const std::string& name) {
    auto routed =
        builder.stream(topic, Consumed::with(keySerde, valueSerde).withName(name + "-orders-source"))
            .processValues([topic] { return std::make_unique<ParseProcessor>(topic); }, Named::as("parse-" + name));
    auto branches = routed.split(Named::as(name + "-"))
                        .branch([](const Key&, const Routed& r) { return !r.id.has_value(); }, Branched::as("invalid"))
                        .branch([](const Key&, const Routed& r) { return r.keyed; }, Branched::as("keyed"))
                        .defaultBranch(Branched::as("unkeyed"));
    auto keyed = branches.at(name + "-keyed").mapValues([](const Routed& r) { return r.order; },
                                                        Named::as(name + "-keyed-orders"));
    // A null key: keyed by the "id" field, then moved to the partition of that id.
    auto rekeyed =
        branches.at(name + "-unkeyed")
            .selectKey([](const Key&, const Routed& r) { return r.id; }, Named::as(name + "-key-by-id"))
            .mapValues([](const Routed& r) { return r.order; }, Named::as(name + "-unkeyed-orders"))
            .repartition(Repartitioned::with(keySerde, jsonSerde).withName(name + "-orders-by-id"));
    auto invalid = branches.at(name + "-invalid").mapValues([](const Routed& r) { return r.raw; },
                                                            Named::as(name + "-invalid-raw"));
    return Side{keyed.merge(rekeyed, Named::as(name + "-orders")), invalid};
  };
  const Side oldSide = side(options.oldTopic, "old");
  const Side newSide = side(options.newTopic, "new");

  auto results = oldSide.orders.outerJoin(
      newSide.orders,
      [](const Key& id, const std::optional<json>& oldOrder, const std::optional<json>& newOrder) {
        return reconcile(id.value_or(""), oldOrder, newOrder);
      },
      JoinWindows::ofTimeDifferenceAndGrace(options.window, options.grace),
      StreamJoined::with(keySerde, jsonSerde, jsonSerde).withName("reconcile").withStoreName("reconcile"));

  results.filter([](const Key&, const json& r) { return r.at("status") != kMatch; }, Named::as("mismatches"))
      .to(options.output, Produced::with(keySerde, jsonSerde).withName("to-mismatches"));

  auto invalid = oldSide.invalid.merge(newSide.invalid, Named::as("invalid"));
  invalid.to(options.output + "-invalid", Produced::with(keySerde, valueSerde).withName("to-invalid"));

  auto statuses =
      results.mapValues([](const json& r) { return r.at("status").get<std::string>(); }, Named::as("result-status"))
          .merge(invalid.mapValues([](const Value&) { return std::string(kInvalid); }, Named::as("invalid-status")),
                 Named::as("statuses"));
  statuses
      .groupBy([](const Key&, const std::string& status) { return status; },
               Grouped::with(Serdes::String(), Serdes::String()).withName("reconcile-statuses"))
      .windowedBy(TimeWindows::ofSizeAndGrace(kCountWindow, countsGrace(options)))
      .count(Materialized::as("reconcile-counts"))
      .toStream(Named::as("count-changes"))
      .map([](const Windowed<std::string>& w, int64_t n) { return KeyValue<std::string, int64_t>{countKey(w), n}; },
           Named::as("count-keys"))
      .to(options.countsOutput, Produced::with(Serdes::String(), Serdes::Int64()).withName("to-counts"));
  return builder.build();
}

}  // namespace examples::orderreconcile
