// Monitoring and alerting on host metrics: CPU averages per minute, CPU maxima
// over five-minute hopping windows, and one alert per host and minute whose
// average CPU exceeds a threshold.
//
// Input: JSON values {"host": "...", "cpu": <number>, "mem": <number>, "ts": <ms>};
// the record key is ignored (it may be null). "mem" is not used and not checked.
//
// Event time is the JSON "ts" (extractTimestamp, the source's TimestampExtractor).
// Malformed events are not dropped: they go to <prefix>-invalid unchanged (key,
// value and record timestamp) with an `error` header saying why, as the
// log-router example does. The extractor gives them the record's own timestamp
// (the partition time when that is negative, 0 when there is none yet), so that
// none is skipped for an invalid timestamp. They never reach the windowed
// aggregations, which run in a sub-topology of their own behind the repartition
// by host, so their timestamps cannot move the stream time that closes windows.
//
// An event is valid when its value is a JSON object with "host" a non-empty
// string, "cpu" a finite number (integer or not, not a boolean) and "ts" a
// non-negative integer that fits in 64 bits.
//
// Windows close when the stream time of the aggregating task (the highest event
// time it has seen) reaches window end + grace; a record for a closed window is
// dropped (counted in dropped-records-total and logged at DEBUG). That stream
// time is not kept across a restart (as in Kafka Streams, whose window
// aggregations keep it in memory): after one, a record that was already too late
// before it is accepted if it comes before any newer record, and may re-open a
// window whose alert was written already.
#pragma once

#include <kstreams/json_serde.h>
#include <kstreams/kstreams.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace examples::metricsalerts {

using namespace std::chrono_literals;

/// Tumbling windows of the averages (and the alerts).
inline constexpr std::chrono::milliseconds kAvgWindowSize = 1min;
/// Hopping windows of the maxima: 5 minutes long, a new one every minute.
inline constexpr std::chrono::milliseconds kMaxWindowSize = 5min;
inline constexpr std::chrono::milliseconds kMaxWindowAdvance = 1min;
/// How long after its end a window still accepts out-of-order records (both kinds).
inline constexpr std::chrono::milliseconds kGrace = 10s;

/// One valid measurement.
struct Metric {
  std::string host;
  double cpu = 0;
  int64_t ts = 0;  // event time, ms
  bool operator==(const Metric&) const = default;
};

void to_json(nlohmann::json& j, const Metric& m);
void from_json(const nlohmann::json& j, Metric& m);

/// A record value parsed: the metric, or why it is invalid.
struct ParsedMetric {
  std::optional<Metric> metric;
  std::string error;
};

ParsedMetric parseMetric(std::optional<std::string_view> value);

/// The source's TimestampExtractor: "ts" of a valid event; for a malformed one
/// the record's timestamp, or the partition time when that is negative, or 0.
int64_t extractTimestamp(const kstreams::RawRecord& record, int64_t partitionTime);

/// Aggregate of the 1-minute windows (store "cpu-avg-1m").
struct CpuSum {
  double sum = 0;
  int64_t count = 0;
  bool operator==(const CpuSum&) const = default;
};
void to_json(nlohmann::json& j, const CpuSum& s);
void from_json(const nlohmann::json& j, CpuSum& s);

/// Aggregate of the 5-minute windows (store "cpu-max-5m").
struct CpuMax {
  double max = 0;
  int64_t count = 0;
  bool operator==(const CpuMax&) const = default;
};
void to_json(nlohmann::json& j, const CpuMax& m);
void from_json(const nlohmann::json& j, CpuMax& m);

/// The output key of a window: "<host>@<window start in ms>", e.g. "web-1@1700000040000".
std::string windowKey(const kstreams::Windowed<std::string>& w);

/// {"host", "window_start", "window_end", "avg_cpu", "count"}
nlohmann::json avgView(const kstreams::Windowed<std::string>& w, const CpuSum& s);
/// {"host", "window_start", "window_end", "max_cpu", "count"}
nlohmann::json maxView(const kstreams::Windowed<std::string>& w, const CpuMax& m);
/// {"host", "window_start", "window_end", "avg_cpu", "threshold"}
nlohmann::json alertView(const kstreams::Windowed<std::string>& w, const CpuSum& s, double threshold);

/// input (JSON metrics, any key) ->
///   <prefix>-cpu-avg-1m: "<host>@<start>" -> JSON average, updated with every record
///   <prefix>-cpu-max-5m: "<host>@<start>" -> JSON maximum, updated with every record
///   <prefix>-alerts:     "<host>@<start>" -> JSON alert, once per 1-minute window when it
///                        closes and only when its average is above cpuThreshold
///   <prefix>-invalid:    malformed events, unchanged, with an `error` header
/// Re-keyed by host through the repartition topic "<application.id>-metrics-by-host-repartition".
kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix,
                                 double cpuThreshold);

}  // namespace examples::metricsalerts
