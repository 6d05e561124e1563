#include "clickstream/clickstream.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

namespace examples::clickstream {

using Key = std::optional<std::string>;
using Value = std::optional<std::string>;

void to_json(nlohmann::json& j, const Click& c) {
  j = nlohmann::json{{"user", c.user}, {"item", c.item}, {"category", c.category}, {"ts", c.ts}};
}

void from_json(const nlohmann::json& j, Click& c) {
  j.at("user").get_to(c.user);
  j.at("item").get_to(c.item);
  j.at("category").get_to(c.category);
  j.at("ts").get_to(c.ts);
}

void to_json(nlohmann::json& j, const RecentItem& r) { j = nlohmann::json{{"item", r.item}, {"ts", r.ts}}; }

void from_json(const nlohmann::json& j, RecentItem& r) {
  j.at("item").get_to(r.item);
  j.at("ts").get_to(r.ts);
}

void to_json(nlohmann::json& j, const Profile& p) {
  j = nlohmann::json{{"user", p.user},
                     {"clicks_by_category", p.clicksByCategory},
                     {"recent", p.recent},
                     {"total_clicks", p.totalClicks}};
}

void from_json(const nlohmann::json& j, Profile& p) {
  j.at("user").get_to(p.user);
  j.at("clicks_by_category").get_to(p.clicksByCategory);
  j.at("recent").get_to(p.recent);
  j.at("total_clicks").get_to(p.totalClicks);
}

ParsedClick parseClick(const std::optional<std::string>& value, int64_t recordTimestamp) {
  ParsedClick parsed;
  auto invalid = [&](std::string why) {
    parsed.click.reset();
    parsed.error = std::move(why);
    return parsed;
  };
  if (!value) return invalid("null value");
  const auto event = nlohmann::json::parse(*value, nullptr, false);
  if (event.is_discarded()) return invalid("not JSON");
  if (!event.is_object()) return invalid("not a JSON object");
  Click click;
  for (auto [field, target] : {std::pair{"user", &click.user}, std::pair{"item", &click.item},
                               std::pair{"category", &click.category}}) {
    const auto it = event.find(field);
    if (it == event.end() || it->is_null()) return invalid(std::string("missing field ") + field);
    if (!it->is_string()) return invalid(std::string("field ") + field + " is not a string");
    *target = it->get<std::string>();
    if (target->empty()) return invalid(std::string("field ") + field + " is empty");
  }
  click.ts = recordTimestamp;
  if (const auto ts = event.find("ts"); ts != event.end() && !ts->is_null()) {
    const bool fits = ts->is_number_unsigned()
                          ? ts->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                          : ts->is_number_integer() && ts->get<int64_t>() >= 0;
    if (!fits) return invalid("field ts is not a non-negative integer");
    click.ts = ts->get<int64_t>();
  }
  parsed.click = std::move(click);
  return parsed;
}

Profile addClick(Profile profile, const Click& click) {
  profile.user = click.user;
  profile.totalClicks++;
  profile.clicksByCategory[click.category]++;
  auto& recent = profile.recent;
  const auto listed = std::find_if(recent.begin(), recent.end(), [&](const RecentItem& r) { return r.item == click.item; });
  if (listed != recent.end()) {
    if (listed->ts > click.ts) return profile;  // a newer click on this item is already listed
    recent.erase(listed);
  }
  const auto pos = std::find_if(recent.begin(), recent.end(), [&](const RecentItem& r) { return r.ts <= click.ts; });
  recent.insert(pos, RecentItem{click.item, click.ts});
  if (recent.size() > kRecentItems) recent.resize(kRecentItems);
  return profile;
}

nlohmann::json profileView(const Profile& profile) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : profile.recent) items.push_back(r.item);
  return nlohmann::json{{"user", profile.user},
                        {"clicks_by_category", profile.clicksByCategory},
                        {"last_items", std::move(items)},
                        {"total_clicks", profile.totalClicks}};
}

nlohmann::json enrichClick(const Click& click, const std::optional<std::string>& profile) {
  nlohmann::json out = click;
  out["segment"] = nullptr;
  if (profile) {
    const auto row = nlohmann::json::parse(*profile, nullptr, false);
    if (row.is_object()) {
      if (const auto segment = row.find("segment"); segment != row.end()) out["segment"] = *segment;
    }
  }
  return out;
}

namespace {

/// A parsed event on its way to the valid or the invalid branch.
struct Routed {
  std::optional<Click> click;  // set when valid
  Value raw;                   // the original value, kept when invalid
};

/// Parses each event. A valid click takes its event time as the record timestamp;
/// an invalid one keeps its bytes and gains an `error` header.
class ParseProcessor final : public kstreams::FixedKeyProcessor<Key, Value, Routed> {
 public:
  void process(const kstreams::FixedKeyRecord<Key, Value>& record) override {
    ParsedClick parsed = parseClick(record.value(), record.timestamp());
    if (parsed.click) {
      const int64_t ts = parsed.click->ts;
      context().forward(record.withValue(Routed{std::move(parsed.click), std::nullopt}).withTimestamp(ts));
      return;
    }
    auto out = record.withValue(Routed{std::nullopt, record.value()});
    out.headers().add("error", parsed.error);
    context().forward(out);
  }
};

}  // namespace

kstreams::Topology buildTopology(const std::string& inputTopic, const std::string& outputPrefix,
                                 const std::string& profilesTopic) {
  using kstreams::Branched;
  using kstreams::Consumed;
  using kstreams::Grouped;
  using kstreams::Joined;
  using kstreams::KStream;
  using kstreams::KTable;
  using kstreams::Materialized;
  using kstreams::MaterializedWith;
  using kstreams::Named;
  using kstreams::Produced;
  using kstreams::Repartitioned;
  using kstreams::Serdes;
  auto keySerde = Serdes::Nullable(Serdes::String());
  auto valueSerde = Serdes::Nullable(Serdes::String());
  auto clickSerde = Serdes::Json<Click>();

  kstreams::StreamsBuilder builder;
  // User id -> profile JSON, kept as text: a malformed row enriches with a null
  // segment instead of failing the table's source.
  std::optional<KTable<std::string, std::string>> userProfiles;
  if (!profilesTopic.empty()) {
    userProfiles = builder.table(profilesTopic, Consumed::with(Serdes::String(), Serdes::String()).withName("profiles"),
                                 Materialized::as("user-segments"));
  }
  auto routed = builder.stream(inputTopic, Consumed::with(keySerde, valueSerde))
                    .processValues([] { return std::make_unique<ParseProcessor>(); }, Named::as("parse-clicks"));

  auto valid = [=](const KStream<Key, Routed>& branch) {
    auto clicks = branch.mapValues([](const Routed& r) { return *r.click; }, Named::as("clicks"));

    clicks.groupBy([](const Key&, const Click& c) { return c.item; },
                   Grouped::with(Serdes::String(), clickSerde).withName("clicks-by-item"))
        .count(Materialized::as("item-click-counts"))
        .toStream(Named::as("item-click-changes"))
        .to(outputPrefix + "-item-clicks", Produced::with(Serdes::String(), Serdes::Int64()).withName("to-item-clicks"));

    // One repartition by user feeds the profiles and the enrichment.
    auto byUser = clicks.selectKey([](const Key&, const Click& c) { return c.user; }, Named::as("clicks-user-key"))
                      .repartition(Repartitioned::with(Serdes::String(), clickSerde).withName("clicks-by-user"));
    MaterializedWith<std::string, Profile> profiles = Materialized::as("user-profiles");
    byUser.groupByKey(Grouped::with(Serdes::String(), clickSerde))
        .aggregate([] { return Profile{}; },
                   [](const std::string&, const Click& c, Profile p) { return addClick(std::move(p), c); },
                   profiles.withValueSerde(Serdes::Json<Profile>()))
        .mapValues([](const Profile& p) { return profileView(p); }, Named::as("profile-view"))
        .toStream(Named::as("profile-changes"))
        .to(outputPrefix + "-user-profiles",
            Produced::with(Serdes::String(), Serdes::Json<nlohmann::json>()).withName("to-user-profiles"));

    if (userProfiles) {
      byUser
          .leftJoin(
              *userProfiles,
              [](const Click& c, const std::optional<std::string>& profile) { return enrichClick(c, profile); },
              Joined::as("enrich-clicks"))
          .to(outputPrefix + "-enriched-clicks",
              Produced::with(Serdes::String(), Serdes::Json<nlohmann::json>()).withName("to-enriched-clicks"));
    }
  };
  auto invalid = [=](const KStream<Key, Routed>& branch) {
    branch.mapValues([](const Routed& r) { return r.raw; }, Named::as("invalid-raw"))
        .to(outputPrefix + "-invalid", Produced::with(keySerde, valueSerde).withName("to-invalid"));
  };
  routed.split(Named::as("clicks-"))
      .branch([](const Key&, const Routed& r) { return r.click.has_value(); }, Branched::withConsumer(valid, "valid"))
      .defaultBranch(Branched::withConsumer(invalid, "invalid"));
  return builder.build();
}

}  // namespace examples::clickstream
