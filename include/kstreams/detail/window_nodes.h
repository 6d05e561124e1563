// Processor nodes of time-, sliding- and session-windowed aggregations.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/detail/node.h"
#include "kstreams/detail/table_nodes.h"
#include "kstreams/state.h"
#include "kstreams/windows.h"

namespace kstreams::detail {

/// Aggregates each record into every time window it falls in, while the window
/// is open (its end plus grace is after stream time); later records are dropped,
/// counted and logged. Forwards Change<VR> keyed by Windowed<K> on every update.
template <class K, class V, class VR, class F>
class WindowAggregateNode final : public Node {
 public:
  WindowAggregateNode(std::string name, std::string store, TimeWindows windows, SerdePtr<K> ks, SerdePtr<VR> vs, F fn)
      : Node(std::move(name)),
        storeName_(std::move(store)),
        windows_(windows),
        keySerde_(std::move(ks)),
        valueSerde_(std::make_shared<ValueAndTimestampSerde<VR>>(std::move(vs))),
        fn_(std::move(fn)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = context.getWindowStore(storeName_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey || meta.nullValue) {
      context_->recordDropped(name(), meta.nullKey ? "null key" : "null value");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    const int64_t closeTime = context_->streamTime() - windows_.gracePeriodMs();
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    for (const Window& w : windows_.windowsFor(meta.timestamp)) {
      if (w.end <= closeTime) {
        context_->recordDropped(name(), "record at " + std::to_string(meta.timestamp) + " is later than window [" +
                                            std::to_string(w.start) + "," + std::to_string(w.end) +
                                            ") plus grace (stream time " + std::to_string(context_->streamTime()) + ")");
        continue;
      }
      std::optional<ValueAndTimestamp<VR>> old;
      if (auto raw = store_->fetch(keyBuf_, w.start)) {
        ValueAndTimestamp<VR> vt;
        valueSerde_->deserialize(raw->data(), raw->size(), vt);
        old = std::move(vt);
      }
      VR next = fn_(key, value, old ? std::optional<VR>(old->value) : std::nullopt);
      const int64_t ts = old ? std::max(old->timestamp, meta.timestamp) : meta.timestamp;
      valueBuf_.clear();
      valueSerde_->serialize(ValueAndTimestamp<VR>{next, ts}, valueBuf_);
      store_->put(keyBuf_, std::string_view(valueBuf_), w.start);
      Windowed<K> windowed{key, w};
      Change<VR> change{std::move(next), old ? std::optional<VR>(old->value) : std::nullopt};
      RecordMeta m = meta;
      m.timestamp = ts;
      m.nullKey = false;
      m.nullValue = false;
      forward(&windowed, &change, m);
    }
  }

 private:
  std::string storeName_;
  TimeWindows windows_;
  SerdePtr<K> keySerde_;
  SerdePtr<ValueAndTimestamp<VR>> valueSerde_;
  F fn_;
  WindowBytesStore* store_ = nullptr;
  std::string keyBuf_;
  std::string valueBuf_;
};

}  // namespace kstreams::detail

namespace kstreams::detail {

/// Session-windowed aggregations (Kafka Streams' KStreamSessionWindowAggregate):
/// a record joins the sessions of its key within the inactivity gap; they merge
/// into one (the merged-away sessions are forwarded as deletes), unless the merged
/// session ended before stream time minus grace (then the record is dropped).
/// fold(key, aggregate or nullopt, session value) merges; add(key, value,
/// aggregate or nullopt) adds the record.
template <class K, class V, class VR, class Fold, class Add>
class SessionAggregateNode final : public Node {
 public:
  SessionAggregateNode(std::string name, std::string store, SessionWindows windows, SerdePtr<K> ks, SerdePtr<VR> vs,
                       Fold fold, Add add)
      : Node(std::move(name)),
        storeName_(std::move(store)),
        windows_(windows),
        keySerde_(std::move(ks)),
        valueSerde_(std::make_shared<ValueAndTimestampSerde<VR>>(std::move(vs))),
        fold_(std::move(fold)),
        add_(std::move(add)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = context.getSessionStore(storeName_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey || meta.nullValue) {
      context_->recordDropped(name(), meta.nullKey ? "null key" : "null value");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const int64_t ts = meta.timestamp;
    const int64_t closeTime = context_->streamTime() - windows_.gracePeriodMs();
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);

    struct Found {
      Window window;
      ValueAndTimestamp<VR> value;
    };
    std::vector<Found> overlapping;
    for (auto it = store_->findSessions(keyBuf_, ts - windows_.inactivityGapMs(), ts + windows_.inactivityGapMs());
         it->valid(); it->next()) {
      Found f{Window{it->sessionStart(), it->sessionEnd()}, {}};
      const auto bytes = it->value();
      valueSerde_->deserialize(bytes.data(), bytes.size(), f.value);
      overlapping.push_back(std::move(f));
    }
    Window merged{ts, ts};
    std::optional<VR> agg;
    int64_t resultTs = ts;
    for (const auto& f : overlapping) {
      agg = fold_(key, agg, f.value.value);
      merged.start = std::min(merged.start, f.window.start);
      merged.end = std::max(merged.end, f.window.end);
      resultTs = std::max(resultTs, f.value.timestamp);
    }
    if (merged.end < closeTime) {
      context_->recordDropped(name(), "record at " + std::to_string(ts) + " belongs to a session that ended at " +
                                          std::to_string(merged.end) + ", before stream time minus grace (" +
                                          std::to_string(closeTime) + ")");
      return;
    }
    RecordMeta m = meta;
    m.nullKey = false;
    m.nullValue = false;
    for (const auto& f : overlapping) {
      if (f.window == merged) continue;
      store_->put(keyBuf_, f.window.start, f.window.end, std::nullopt);
      Windowed<K> gone{key, f.window};
      Change<VR> removal{std::nullopt, f.value.value};
      m.timestamp = f.value.timestamp;
      forward(&gone, &removal, m);
    }
    VR next = add_(key, *static_cast<const V*>(v), agg);
    valueBuf_.clear();
    valueSerde_->serialize(ValueAndTimestamp<VR>{next, resultTs}, valueBuf_);
    store_->put(keyBuf_, merged.start, merged.end, std::string_view(valueBuf_));
    Windowed<K> windowed{key, merged};
    Change<VR> change{std::move(next), std::nullopt};
    m.timestamp = resultTs;
    forward(&windowed, &change, m);
  }

 private:
  std::string storeName_;
  SessionWindows windows_;
  SerdePtr<K> keySerde_;
  SerdePtr<ValueAndTimestamp<VR>> valueSerde_;
  Fold fold_;
  Add add_;
  SessionBytesStore* store_ = nullptr;
  std::string keyBuf_;
  std::string valueBuf_;
};

}  // namespace kstreams::detail

namespace kstreams::detail {

/// Sliding-window aggregations (Kafka Streams' KStreamSlidingWindowAggregate, with
/// its backward-iterating variant, the one its built-in stores use). Windows are stored by start and hold the records
/// in [start, start + timeDifference]. A record at t updates every existing
/// window that contains it, creates its left window [t - d, t] (seeded with the
/// aggregate of the records already in it), creates the previous record's right
/// window if the record falls in it, and creates its own right window
/// [t + 1, t + 1 + d] when later records exist. Records earlier than d share the
/// window [0, d]. fn(key, value, aggregate or nullopt) adds a record.
template <class K, class V, class VR, class F>
class SlidingWindowAggregateNode final : public Node {
 public:
  SlidingWindowAggregateNode(std::string name, std::string store, SlidingWindows windows, SerdePtr<K> ks,
                             SerdePtr<VR> vs, F fn)
      : Node(std::move(name)),
        storeName_(std::move(store)),
        windows_(windows),
        keySerde_(std::move(ks)),
        valueSerde_(std::make_shared<ValueAndTimestampSerde<VR>>(std::move(vs))),
        fn_(std::move(fn)) {}

  void init(NodeContext& context) override {
    Node::init(context);
    store_ = context.getWindowStore(storeName_);
  }

  void process(const void* k, const void* v, const RecordMeta& meta) override {
    if (meta.nullKey || meta.nullValue) {
      context_->recordDropped(name(), meta.nullKey ? "null key" : "null value");
      return;
    }
    const K& key = *static_cast<const K*>(k);
    const V& value = *static_cast<const V*>(v);
    const int64_t t = meta.timestamp;
    const int64_t d = windows_.timeDifferenceMs();
    const int64_t closeTime = context_->streamTime() - windows_.gracePeriodMs();
    if (t + 1 + d <= closeTime) {
      context_->recordDropped(name(), "record at " + std::to_string(t) + " is later than its windows [" +
                                          std::to_string(t - d) + "," + std::to_string(t) + "] and [" +
                                          std::to_string(t + 1) + "," + std::to_string(t + 1 + d) +
                                          "] plus grace (stream time " + std::to_string(context_->streamTime()) +
                                          ")");
      return;
    }
    keyBuf_.clear();
    keySerde_->serialize(key, keyBuf_);
    meta_ = meta;
    meta_.nullKey = false;
    meta_.nullValue = false;
    if (t < d) {
      processEarly(key, value, t, closeTime);
    } else {
      processReverse(key, value, t, closeTime);
    }
  }

 private:
  struct Existing {
    int64_t start;
    ValueAndTimestamp<VR> value;
  };

  /// The key's windows with start in [from, to], by start (newest first: `backward`).
  std::vector<Existing> windowsOfKey(int64_t from, int64_t to, bool backward = false) {
    std::vector<Existing> out;
    auto it = backward ? store_->backwardFetch(keyBuf_, from, to) : store_->fetch(keyBuf_, from, to);
    for (; it->valid(); it->next()) {
      Existing e{it->windowStart(), {}};
      const auto bytes = it->value();
      valueSerde_->deserialize(bytes.data(), bytes.size(), e.value);
      out.push_back(std::move(e));
    }
    return out;
  }

  [[noreturn]] void unexpectedWindow(int64_t start, int64_t t) const {
    throw StreamsException("sliding-window aggregation " + name() + ": unexpected window starting at " +
                           std::to_string(start) + " while processing a record at " + std::to_string(t) +
                           " (the store " + storeName_ + " holds windows this aggregation did not write)");
  }

  /// Kafka Streams' processReverse: the windows of the key from the one
  /// starting right after the record back to the newest one that ends before it.
  void processReverse(const K& key, const V& value, int64_t t, int64_t closeTime) {
    const int64_t d = windows_.timeDifferenceMs();
    std::set<int64_t> starts;
    std::optional<ValueAndTimestamp<VR>> leftAgg;
    std::optional<ValueAndTimestamp<VR>> rightAgg;
    bool leftExists = false;
    bool rightExists = false;
    std::optional<int64_t> previous;  // the latest record before t, when known
    for (auto& w : windowsOfKey(std::max<int64_t>(0, t - 2 * d), t + 1, true)) {
      starts.insert(w.start);
      const int64_t end = w.start + d;
      const int64_t maxTs = w.value.timestamp;
      if (w.start == t + 1) {
        rightExists = true;
      } else if (end > t) {
        if (!rightAgg) rightAgg = w.value;
        update(key, value, Window{w.start, end}, w.value, true, closeTime, t);
      } else if (end == t) {
        leftExists = true;
        update(key, value, Window{w.start, end}, w.value, true, closeTime, t);
        if (maxTs >= t) return;  // a record at t came before: every window exists
        previous = maxTs;
      } else {
        leftAgg = w.value;
        previous = maxTs;
        break;
      }
    }
    // The previous record's right window, when this record falls in it.
    if (previous) {
      const int64_t start = *previous + 1;
      if (!starts.contains(start) && start + d >= t) {
        update(key, value, Window{start, start + d}, std::nullopt, false, closeTime, t);
      }
    }
    // This record's left window, seeded with the records already in it.
    if (!leftExists) {
      std::optional<ValueAndTimestamp<VR>> seed;
      if (previous && t - d <= *previous && leftAgg) seed = ValueAndTimestamp<VR>{leftAgg->value, t};
      update(key, value, Window{t - d, t}, seed, false, closeTime, t);
    }
    if (!rightExists && rightAgg && rightAgg->timestamp > t) createRightWindow(key, t, *rightAgg);
  }

  /// Records before d: all in the window [0, d] (no negative starts).
  void processEarly(const K& key, const V& value, int64_t t, int64_t closeTime) {
    const int64_t d = windows_.timeDifferenceMs();
    std::set<int64_t> starts;
    std::optional<Existing> combined;
    std::optional<ValueAndTimestamp<VR>> rightAgg;
    bool rightExists = false;
    std::optional<int64_t> previous;
    for (auto& w : windowsOfKey(0, t + 1)) {
      starts.insert(w.start);
      if (w.start == 0) {
        if (w.value.timestamp < t) previous = w.value.timestamp;
        combined = std::move(w);
      } else if (w.start <= t) {
        rightAgg = w.value;
        update(key, value, Window{w.start, w.start + d}, w.value, true, closeTime, t);
      } else if (w.start == t + 1) {
        rightExists = true;
      } else {
        unexpectedWindow(w.start, t);
      }
    }
    // Without a window after the record, the combined window holds only records
    // later than it (if any): they are its right window.
    if (!rightAgg && combined && combined->value.timestamp > t) rightAgg = combined->value;
    if (!rightExists && rightAgg && rightAgg->timestamp > t) createRightWindow(key, t, *rightAgg);
    if (previous && !starts.contains(*previous + 1)) {
      update(key, value, Window{*previous + 1, *previous + 1 + d}, std::nullopt, false, closeTime, t);
    }
    if (combined) {
      update(key, value, Window{0, d}, combined->value, true, closeTime, t);
    } else {
      update(key, value, Window{0, d}, std::nullopt, false, closeTime, t);
    }
  }

  /// Adds the record to `window` (aggregate `old`, or a new window when nullopt)
  /// unless the window has closed; `stored`: `old` is the window's stored value.
  void update(const K& key, const V& value, Window window, const std::optional<ValueAndTimestamp<VR>>& old,
              bool stored, int64_t closeTime, int64_t t) {
    if (window.end < closeTime) {
      context_->recordDropped(name(), "record at " + std::to_string(t) + " is later than window [" +
                                          std::to_string(window.start) + "," + std::to_string(window.end) +
                                          "] plus grace (stream time " + std::to_string(context_->streamTime()) +
                                          ")");
      return;
    }
    VR next = fn_(key, value, old ? std::optional<VR>(old->value) : std::nullopt);
    const int64_t ts = old ? std::max(t, old->timestamp) : t;
    put(key, window, std::move(next), stored && old ? std::optional<VR>(old->value) : std::nullopt, ts);
  }

  /// The window right after the record holds the later records of `agg`.
  void createRightWindow(const K& key, int64_t t, const ValueAndTimestamp<VR>& agg) {
    put(key, Window{t + 1, t + 1 + windows_.timeDifferenceMs()}, agg.value, std::nullopt, agg.timestamp);
  }

  void put(const K& key, Window window, VR next, std::optional<VR> old, int64_t ts) {
    valueBuf_.clear();
    valueSerde_->serialize(ValueAndTimestamp<VR>{next, ts}, valueBuf_);
    store_->put(keyBuf_, std::string_view(valueBuf_), window.start);
    Windowed<K> windowed{key, window};
    Change<VR> change{std::move(next), std::move(old)};
    RecordMeta m = meta_;
    m.timestamp = ts;
    forward(&windowed, &change, m);
  }

  std::string storeName_;
  SlidingWindows windows_;
  SerdePtr<K> keySerde_;
  SerdePtr<ValueAndTimestamp<VR>> valueSerde_;
  F fn_;
  WindowBytesStore* store_ = nullptr;
  std::string keyBuf_;
  std::string valueBuf_;
  RecordMeta meta_{};
};

}  // namespace kstreams::detail
