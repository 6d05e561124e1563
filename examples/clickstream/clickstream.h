// The clickstream pipeline, the input of a recommender: click events in; clicks
// per item and a profile per user (clicks per category, recent items) out, and,
// with a table of user profiles, each click enriched with its user's segment.
#pragma once

#include <kstreams/json_serde.h>
#include <kstreams/kstreams.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace examples::clickstream {

/// How many distinct items a profile remembers.
inline constexpr size_t kRecentItems = 5;

/// One click: {"user": "...", "item": "...", "category": "...", "ts": <ms>}.
struct Click {
  std::string user;
  std::string item;
  std::string category;
  int64_t ts = 0;  // event time in ms: the "ts" field, or the record timestamp when absent
  bool operator==(const Click&) const = default;
};

void to_json(nlohmann::json& j, const Click& c);
void from_json(const nlohmann::json& j, Click& c);

/// A click event parsed from a record value: the click, or why it is invalid.
struct ParsedClick {
  std::optional<Click> click;
  std::string error;
};

/// Parses one event. `recordTimestamp` stands in for a missing "ts". user, item
/// and category must be non-empty strings; ts, when present, a non-negative integer.
ParsedClick parseClick(const std::optional<std::string>& value, int64_t recordTimestamp);

/// An item of a profile's history, with the event time of its latest click.
struct RecentItem {
  std::string item;
  int64_t ts = 0;
  bool operator==(const RecentItem&) const = default;
};

/// The aggregate per user, as kept in the "user-profiles" store.
struct Profile {
  std::string user;
  std::map<std::string, int64_t> clicksByCategory;
  std::vector<RecentItem> recent;  // newest first, at most kRecentItems, distinct items
  int64_t totalClicks = 0;
  bool operator==(const Profile&) const = default;
};

void to_json(nlohmann::json& j, const RecentItem& r);
void from_json(const nlohmann::json& j, RecentItem& r);
void to_json(nlohmann::json& j, const Profile& p);
void from_json(const nlohmann::json& j, Profile& p);

/// Adds one click to a profile. Recent items are ordered by event time, newest
/// first; of equal times the later click comes first. A click on an item already
/// listed moves it up (unless the listed click is newer); the oldest falls off.
Profile addClick(Profile profile, const Click& click);

/// The profile as written to <prefix>-user-profiles:
/// {"user", "clicks_by_category": {category: n}, "last_items": [newest first], "total_clicks"}.
nlohmann::json profileView(const Profile& profile);

/// A click enriched with its user's segment, as written to <prefix>-enriched-clicks:
/// {"user", "item", "category", "ts", "segment"}. `profile` is the user's row of
/// the profiles table (a JSON object {"user", "segment", ...}), or nullopt when
/// the user has none; "segment" is the row's "segment" value, or null when the
/// user is unknown, the row has no "segment", or the row is not a JSON object.
nlohmann::json enrichClick(const Click& click, const std::optional<std::string>& profile);

/// input (JSON click events, any key) ->
///   <prefix>-item-clicks:     item -> Int64 count of clicks (store "item-click-counts")
///   <prefix>-user-profiles:   user -> JSON profile (store "user-profiles")
///   <prefix>-invalid:         malformed events, key and value unchanged, with an `error` header
/// and, when profilesTopic is not empty (user id -> JSON user profile, a table:
/// the latest value per user counts, a null value deletes the user):
///   <prefix>-enriched-clicks: user -> enrichClick(click, the user's profile when the click
///                             is processed); store "user-segments"
/// Clicks are re-keyed by user through "<application.id>-clicks-by-user-repartition",
/// which feeds both the profiles and the enrichment; with a profiles topic it has
/// that topic's partition count (the join needs both co-partitioned).
kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix,
                                 const std::string& profilesTopic = "");

}  // namespace examples::clickstream
