// Processor nodes of time-windowed aggregations.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

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
