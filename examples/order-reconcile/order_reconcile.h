// Order reconciliation for a system migration: the old order service writes
// every order to one topic (ORDER), the new service, run side by side with it,
// to another (ORDERNEW). A windowed outer join of the two pairs the versions of
// each order and reports every order whose versions differ, or that only one
// service produced within the window; matches and mismatches are counted per
// minute.
//
// Input: JSON objects (orders), keyed by order id. A record with a null or empty
// key is keyed by the order's "id" field (a string, or an integer written in
// decimal) and re-partitioned by it through "<application.id>-<side>-orders-by-id-repartition",
// with Kafka's default partitioner (murmur2, as the Java client): the two topics
// must be partitioned alike, by the same partitioner on the same key, since the
// versions of an order meet in one task. They must also have the same number of
// partitions: start-up fails otherwise ("Topics not co-partitioned").
//
// Two versions are compared as JSON values: key order and white space do not
// matter, 10 and 10.0 are equal, arrays are ordered. Event time is the record
// timestamp. Versions join when their timestamps are at most `window` apart; a
// version without a partner is reported once the stream time of its task (the
// highest timestamp seen on that partition of either topic) passes its
// timestamp + window + grace, and not before (a partner may still come).
//
// Output, on `output` (keyed by order id, JSON):
//   {"id": "...", "status": "mismatch" | "missing-in-new" | "missing-in-old",
//    "old": <order in ORDER, or null>, "new": <order in ORDERNEW, or null>}
// with the timestamp of the later version (or of the one version).
//
// Counts, on `countsOutput`: key "<window start, UTC, ISO 8601>/<status>", e.g.
// "2023-11-14T22:13:00Z/mismatch", value an Int64 (big-endian, as Kafka's
// LongSerializer), updated with every result: the latest value of a key is the
// count so far. Windows are one minute of event time (the result's timestamp);
// statuses are "match", the three above, and "invalid" (malformed records of
// either topic, by their record timestamp). A window accepts results up to
// `countsGrace` after its end, by default window + grace + 1 minute, since an
// unmatched order is only known window + grace after its own time; later ones
// are dropped (and counted in dropped-records-total). The counts' stream time
// is the highest result time of all partitions: when one partition is far ahead
// of another (a backlog read unevenly), the late partition's results miss their
// windows unless countsGrace covers that lead.
//
// Malformed records (not a JSON object, a null value, or a null key and no
// usable "id") go to `<output>-invalid` unchanged (key, value, timestamp), with
// an `error` header saying why and a `source-topic` header naming their topic.
#pragma once

#include <kstreams/json_serde.h>
#include <kstreams/kstreams.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace examples::orderreconcile {

using namespace std::chrono_literals;

/// The windows of the counts: one minute of event time.
inline constexpr std::chrono::milliseconds kCountWindow = 1min;

inline constexpr const char* kMatch = "match";
inline constexpr const char* kMismatch = "mismatch";
inline constexpr const char* kMissingInNew = "missing-in-new";
inline constexpr const char* kMissingInOld = "missing-in-old";
inline constexpr const char* kInvalid = "invalid";

struct Options {
  std::string oldTopic = "ORDER";
  std::string newTopic = "ORDERNEW";
  std::string output = "reconcile-mismatches";
  std::string countsOutput = "reconcile-counts";
  /// How far apart (event time) the two versions of an order may be.
  std::chrono::milliseconds window = 60s;
  /// How long after the window a late version is still joined.
  std::chrono::milliseconds grace = 10s;
  /// How late a result may reach its count window; unset: window + grace + kCountWindow.
  std::optional<std::chrono::milliseconds> countsGrace;
};

/// A record parsed: the order and its id, or why it is invalid.
struct ParsedOrder {
  std::optional<std::string> id;  // set when valid
  nlohmann::json order;
  std::string error;
};

/// Parses one record. The id is the key; with a null or empty key, the "id"
/// field (a non-empty string, or an integer).
ParsedOrder parseOrder(const std::optional<std::string>& key, const std::optional<std::string>& value);

/// The join result for one order: {"id", "status", "old", "new"}, status
/// "match" when both versions are present and equal as JSON values.
nlohmann::json reconcile(const std::string& id, const std::optional<nlohmann::json>& oldOrder,
                         const std::optional<nlohmann::json>& newOrder);

/// "2023-11-14T22:13:00Z" for the epoch milliseconds (UTC, whole seconds).
std::string isoTime(int64_t epochMs);

/// The key of a count: "<window start ISO>/<status>".
std::string countKey(const kstreams::Windowed<std::string>& window);

/// How late a result may reach its count window: options.countsGrace, by
/// default window + grace + kCountWindow.
std::chrono::milliseconds countsGrace(const Options& options);

/// ORDER, ORDERNEW ->
///   <output>:          mismatches (above)
///   <countsOutput>:    counts per minute and status (above)
///   <output>-invalid:  malformed records, with `error` and `source-topic` headers
/// Stores: "reconcile-this-join-store", "reconcile-other-join-store",
/// "reconcile-outer-shared-join-store" (the join), "reconcile-counts" (counts);
/// repartition topics "old-orders-by-id", "new-orders-by-id" (null keys) and
/// "reconcile-statuses" (counts).
kstreams::Topology buildTopology(const Options& options);

}  // namespace examples::orderreconcile
