#include "metrics-alerts/metrics_alerts.h"

#include <cmath>
#include <limits>
#include <memory>
#include <utility>

namespace examples::metricsalerts {

using Key = std::optional<std::string>;
using Value = std::optional<std::string>;
using WindowedHost = kstreams::Windowed<std::string>;

void to_json(nlohmann::json& j, const Metric& m) { j = nlohmann::json{{"host", m.host}, {"cpu", m.cpu}, {"ts", m.ts}}; }

void from_json(const nlohmann::json& j, Metric& m) {
  j.at("host").get_to(m.host);
  j.at("cpu").get_to(m.cpu);
  j.at("ts").get_to(m.ts);
}

void to_json(nlohmann::json& j, const CpuSum& s) { j = nlohmann::json{{"sum", s.sum}, {"count", s.count}}; }

void from_json(const nlohmann::json& j, CpuSum& s) {
  j.at("sum").get_to(s.sum);
  j.at("count").get_to(s.count);
}

void to_json(nlohmann::json& j, const CpuMax& m) { j = nlohmann::json{{"max", m.max}, {"count", m.count}}; }

void from_json(const nlohmann::json& j, CpuMax& m) {
  j.at("max").get_to(m.max);
  j.at("count").get_to(m.count);
}

ParsedMetric parseMetric(std::optional<std::string_view> value) {
  ParsedMetric parsed;
  auto invalid = [&](std::string why) {
    parsed.metric.reset();
    parsed.error = std::move(why);
    return parsed;
  };
  if (!value) return invalid("null value");
  const auto event = nlohmann::json::parse(value->begin(), value->end(), nullptr, false);
  if (event.is_discarded()) return invalid("not JSON");
  if (!event.is_object()) return invalid("not a JSON object");
  Metric m;

  const auto host = event.find("host");
  if (host == event.end() || host->is_null()) return invalid("missing field host");
  if (!host->is_string()) return invalid("field host is not a string");
  m.host = host->get<std::string>();
  if (m.host.empty()) return invalid("field host is empty");

  const auto cpu = event.find("cpu");
  if (cpu == event.end() || cpu->is_null()) return invalid("missing field cpu");
  if (!cpu->is_number()) return invalid("field cpu is not a number");
  m.cpu = cpu->get<double>();
  if (!std::isfinite(m.cpu)) return invalid("field cpu is not finite");

  const auto ts = event.find("ts");
  if (ts == event.end() || ts->is_null()) return invalid("missing field ts");
  const bool fits = ts->is_number_unsigned()
                        ? ts->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                        : ts->is_number_integer() && ts->get<int64_t>() >= 0;
  if (!fits) return invalid("field ts is not a non-negative integer");
  m.ts = ts->get<int64_t>();

  parsed.metric = std::move(m);
  return parsed;
}

int64_t extractTimestamp(const kstreams::RawRecord& record, int64_t partitionTime) {
  std::optional<std::string_view> value;
  if (record.value != nullptr) value = std::string_view(record.value, record.valueSize);
  if (auto parsed = parseMetric(value); parsed.metric) return parsed.metric->ts;
  // Malformed: keep it (it goes to <prefix>-invalid) with a timestamp that is valid.
  if (record.timestamp >= 0) return record.timestamp;
  return partitionTime >= 0 ? partitionTime : 0;
}

std::string windowKey(const WindowedHost& w) { return w.key + "@" + std::to_string(w.window.start); }

nlohmann::json avgView(const WindowedHost& w, const CpuSum& s) {
  return nlohmann::json{{"host", w.key},
                        {"window_start", w.window.start},
                        {"window_end", w.window.end},
                        {"avg_cpu", s.count > 0 ? s.sum / static_cast<double>(s.count) : 0.0},
                        {"count", s.count}};
}

nlohmann::json maxView(const WindowedHost& w, const CpuMax& m) {
  return nlohmann::json{{"host", w.key},
                        {"window_start", w.window.start},
                        {"window_end", w.window.end},
                        {"max_cpu", m.max},
                        {"count", m.count}};
}

nlohmann::json alertView(const WindowedHost& w, const CpuSum& s, double threshold) {
  auto j = avgView(w, s);
  j.erase("count");
  j["threshold"] = threshold;
  return j;
}

namespace {

/// A parsed event on its way to the valid or the invalid branch.
struct Routed {
  std::optional<Metric> metric;  // set when valid
  Value raw;                     // the original value, kept when invalid
};

/// Parses each event (the extractor has parsed it once already, to find its
/// time); an invalid one keeps its bytes and gains an `error` header.
class ParseProcessor final : public kstreams::FixedKeyProcessor<Key, Value, Routed> {
 public:
  void process(const kstreams::FixedKeyRecord<Key, Value>& record) override {
    const auto& value = record.value();
    ParsedMetric parsed = parseMetric(value ? std::optional<std::string_view>(*value) : std::nullopt);
    if (parsed.metric) {
      context().forward(record.withValue(Routed{std::move(parsed.metric), std::nullopt}));
      return;
    }
    auto out = record.withValue(Routed{std::nullopt, value});
    out.headers().add("error", parsed.error);
    context().forward(out);
  }
};

}  // namespace

kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix,
                                 double cpuThreshold) {
  using kstreams::Branched;
  using kstreams::BufferConfig;
  using kstreams::Consumed;
  using kstreams::Grouped;
  using kstreams::KeyValue;
  using kstreams::KStream;
  using kstreams::Materialized;
  using kstreams::MaterializedWith;
  using kstreams::Named;
  using kstreams::Produced;
  using kstreams::Serdes;
  using kstreams::Suppressed;
  using kstreams::TimeWindows;
  using json = nlohmann::json;
  auto keySerde = Serdes::Nullable(Serdes::String());
  auto valueSerde = Serdes::Nullable(Serdes::String());
  auto jsonSerde = Serdes::Json<json>();

  kstreams::StreamsBuilder builder;
  auto routed =
      builder.stream(inputTopic, Consumed::with(keySerde, valueSerde).withTimestampExtractor(extractTimestamp))
          .processValues([] { return std::make_unique<ParseProcessor>(); }, Named::as("parse-metrics"));

  auto valid = [=](const KStream<Key, Routed>& branch) {
    auto byHost = branch.mapValues([](const Routed& r) { return *r.metric; }, Named::as("metrics"))
                      .groupBy([](const Key&, const Metric& m) { return m.host; },
                               Grouped::with(Serdes::String(), Serdes::Json<Metric>()).withName("metrics-by-host"));

    MaterializedWith<std::string, CpuSum> sums = Materialized::as("cpu-avg-1m");
    auto averages =
        byHost.windowedBy(TimeWindows::ofSizeAndGrace(kAvgWindowSize, kGrace))
            .aggregate([] { return CpuSum{}; },
                       [](const std::string&, const Metric& m, CpuSum s) {
                         s.sum += m.cpu;
                         s.count++;
                         return s;
                       },
                       sums.withValueSerde(Serdes::Json<CpuSum>()));
    averages.toStream(Named::as("cpu-avg-changes"))
        .map([](const WindowedHost& w, const CpuSum& s) { return KeyValue<std::string, json>{windowKey(w), avgView(w, s)}; },
             Named::as("cpu-avg-view"))
        .to(outputPrefix + "-cpu-avg-1m", Produced::with(Serdes::String(), jsonSerde).withName("to-cpu-avg-1m"));

    MaterializedWith<std::string, CpuMax> maxima = Materialized::as("cpu-max-5m");
    byHost.windowedBy(TimeWindows::ofSizeAndGrace(kMaxWindowSize, kGrace).advanceBy(kMaxWindowAdvance))
        .aggregate([] { return CpuMax{}; },
                   [](const std::string&, const Metric& m, CpuMax agg) {
                     agg.max = agg.count == 0 ? m.cpu : std::max(agg.max, m.cpu);
                     agg.count++;
                     return agg;
                   },
                   maxima.withValueSerde(Serdes::Json<CpuMax>()))
        .toStream(Named::as("cpu-max-changes"))
        .map([](const WindowedHost& w, const CpuMax& m) { return KeyValue<std::string, json>{windowKey(w), maxView(w, m)}; },
             Named::as("cpu-max-view"))
        .to(outputPrefix + "-cpu-max-5m", Produced::with(Serdes::String(), jsonSerde).withName("to-cpu-max-5m"));

    // Suppress first, then filter the stream: a table filter would turn the
    // windows below the threshold into tombstones.
    averages.suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()).withName("cpu-avg-1m-final"))
        .toStream(Named::as("cpu-avg-final"))
        .filter([cpuThreshold](const WindowedHost&, const CpuSum& s) {
                  return s.count > 0 && s.sum / static_cast<double>(s.count) > cpuThreshold;
                },
                Named::as("above-threshold"))
        .map([cpuThreshold](const WindowedHost& w, const CpuSum& s) {
               return KeyValue<std::string, json>{windowKey(w), alertView(w, s, cpuThreshold)};
             },
             Named::as("alert-view"))
        .to(outputPrefix + "-alerts", Produced::with(Serdes::String(), jsonSerde).withName("to-alerts"));
  };
  auto invalid = [=](const KStream<Key, Routed>& branch) {
    branch.mapValues([](const Routed& r) { return r.raw; }, Named::as("invalid-raw"))
        .to(outputPrefix + "-invalid", Produced::with(keySerde, valueSerde).withName("to-invalid"));
  };
  routed.split(Named::as("metrics-"))
      .branch([](const Key&, const Routed& r) { return r.metric.has_value(); }, Branched::withConsumer(valid, "valid"))
      .defaultBranch(Branched::withConsumer(invalid, "invalid"));
  return builder.build();
}

}  // namespace examples::metricsalerts
