#include "kstreams/kafka_streams.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "dsl/topology_def.h"
#include "kstreams/errors.h"
#include "src/global_stream_thread.h"
#include "src/internal_topics.h"
#include "src/log.h"
#include "src/metrics.h"
#include "src/stream_thread.h"
#include "src/streams_config.h"

namespace kstreams {

std::string_view toString(KafkaStreams::State state) {
  switch (state) {
    case KafkaStreams::State::CREATED: return "CREATED";
    case KafkaStreams::State::REBALANCING: return "REBALANCING";
    case KafkaStreams::State::RUNNING: return "RUNNING";
    case KafkaStreams::State::PENDING_SHUTDOWN: return "PENDING_SHUTDOWN";
    case KafkaStreams::State::NOT_RUNNING: return "NOT_RUNNING";
    case KafkaStreams::State::PENDING_ERROR: return "PENDING_ERROR";
    case KafkaStreams::State::ERROR: return "ERROR";
  }
  return "?";
}

namespace internal {

using State = KafkaStreams::State;

class KafkaStreamsImpl {
 public:
  KafkaStreamsImpl(const Topology& topology, const Properties& props)
      : topology_(topology), config_(parseConfig(props)) {
    if (topology_.definition().nodes.empty() && topology_.definition().globalStores.empty()) {
      throw TopologyException("the topology is empty: build it with StreamsBuilder before starting");
    }
  }

  void setRocksDBConfigSetter(RocksDBConfigSetter setter) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (state_ != State::CREATED) throw IllegalStateException("setRocksDBConfigSetter() must be called before start()");
    configSetter_ = std::move(setter);
  }

  ~KafkaStreamsImpl() {
    close(std::chrono::milliseconds::max());
    if (errorShutdown_.joinable()) errorShutdown_.join();
  }

  void start() {
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      if (state_ != State::CREATED) {
        throw IllegalStateException(std::string("start() called in state ") +
                                    std::string(toString(state_)) + "; a KafkaStreams starts once");
      }
    }
    const auto& def = topology_.definition();
    prepareTopics(def, config_);
    if (!def.stores.empty() || !def.globalStores.empty()) {
      directory_ = std::make_unique<StateDirectory>(config_.stateDir, config_.applicationId);
      rocksdb_ = std::make_unique<RocksDBResources>(static_cast<size_t>(config_.rocksdbMemoryBytes), configSetter_);
    }
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      setStateLocked(State::REBALANCING);
      if (!def.globalStores.empty()) {
        globalThread_ = std::make_unique<GlobalStreamThread>(def, config_, metrics_, *directory_, rocksdb_.get(),
                                                             [this](std::exception_ptr e) { onGlobalThreadError(e); });
        globalStarting_ = true;
      }
    }
    if (globalThread_) {
      // As in Kafka Streams, start() returns once the global stores are restored;
      // stream threads start only then.
      std::exception_ptr error;
      try {
        globalThread_->start();
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::recursive_mutex> lock(mu_);
      globalStarting_ = false;
      changed_.notify_all();
      if (error) {
        globalThread_.reset();
        setStateLocked(State::ERROR);
        std::rethrow_exception(error);
      }
      globalStores_ = globalThread_->stores();
    }
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (state_ != State::REBALANCING) return;  // closed (or failed) while the global stores restored
    for (int i = 0; i < config_.numStreamThreads && !def.subtopologies.empty(); ++i) startThreadLocked();
    if (def.subtopologies.empty()) setStateLocked(State::RUNNING);
    KS_LOG(INFO, "Started " + std::to_string(threads_.size()) + " stream thread(s) of " + config_.applicationId +
                     (globalThread_ ? " and its global thread" : ""));
  }

  bool close(std::chrono::milliseconds timeout) {
    const auto deadline = timeout == std::chrono::milliseconds::max()
                              ? std::chrono::steady_clock::time_point::max()
                              : std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::recursive_mutex> lock(mu_);
    if (state_ == State::CREATED) {
      setStateLocked(State::NOT_RUNNING);
      return true;
    }
    const bool toError = state_ == State::PENDING_ERROR || state_ == State::ERROR;
    if (!toError && state_ != State::NOT_RUNNING) setStateLocked(State::PENDING_SHUTDOWN);
    for (auto& t : threads_) t->shutdown();
    if (globalThread_) globalThread_->shutdown();
    const bool done = changed_.wait_until(lock, deadline, [&] {
      for (auto& t : threads_) {
        if (!t->finished()) return false;
      }
      return !globalStarting_;
    });
    if (!done) return false;
    auto threads = std::move(threads_);
    threads_.clear();
    lock.unlock();
    for (auto& t : threads) t->join();
    lock.lock();
    // The stream threads read the global stores until they stop: close those last.
    auto global = std::move(globalThread_);
    globalStores_.reset();
    if (global) {
      lock.unlock();
      global.reset();
      lock.lock();
    }
    if (state_ == State::PENDING_SHUTDOWN) setStateLocked(State::NOT_RUNNING);
    if (state_ == State::PENDING_ERROR) setStateLocked(State::ERROR);
    return true;
  }

  State state() const {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return state_;
  }

  void setStateListener(KafkaStreams::StateListener l) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    listener_ = std::move(l);
  }
  void setUncaughtExceptionHandler(KafkaStreams::UncaughtExceptionHandler h) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    handler_ = std::move(h);
  }
  std::map<std::string, double> metrics() const { return metrics_.snapshot(); }

 private:
  void startThreadLocked() {
    StreamThread::Callbacks callbacks;
    callbacks.onStateChange = [this](int, StreamThread::State) { onThreadStateChange(); };
    callbacks.onError = [this](int index, std::exception_ptr e) { onThreadError(index, e); };
    StateServices state{directory_.get(), rocksdb_.get(),
                        std::make_shared<CacheBudget>(static_cast<size_t>(config_.cacheMaxBytes / config_.numStreamThreads)),
                        globalStores_};
    auto thread = std::make_unique<StreamThread>(nextThreadIndex_++, topology_.definition(), config_,
                                                 metrics_, std::move(state), std::move(callbacks));
    thread->start();
    threads_.push_back(std::move(thread));
  }

  void setStateLocked(State s) {
    if (s == state_) return;
    const State old = state_;
    state_ = s;
    KS_LOG(INFO, "State transition from " + std::string(toString(old)) + " to " + std::string(toString(s)));
    if (listener_) listener_(s, old);
    changed_.notify_all();
  }

  void onThreadStateChange() {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    changed_.notify_all();
    if (state_ != State::RUNNING && state_ != State::REBALANCING) return;
    bool allRunning = true;
    for (auto& t : threads_) {
      const auto s = t->state();
      if (s == StreamThread::State::DEAD) continue;
      if (s != StreamThread::State::RUNNING) allRunning = false;
    }
    setStateLocked(allRunning ? State::RUNNING : State::REBALANCING);
  }

  void onThreadError(int index, std::exception_ptr error) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    KS_LOG(ERROR, "Stream thread " + std::to_string(index + 1) + " died: " + what);
    std::lock_guard<std::recursive_mutex> lock(mu_);
    auto response = KafkaStreams::StreamThreadExceptionResponse::SHUTDOWN_CLIENT;
    if (handler_) {
      try {
        response = handler_(error);
      } catch (...) {
        KS_LOG(ERROR, "The uncaught exception handler threw; shutting the client down");
      }
    }
    if (response == KafkaStreams::StreamThreadExceptionResponse::REPLACE_THREAD &&
        (state_ == State::RUNNING || state_ == State::REBALANCING)) {
      KS_LOG(INFO, "Replacing stream thread " + std::to_string(index + 1));
      startThreadLocked();
      return;
    }
    if (state_ == State::PENDING_ERROR || state_ == State::ERROR || state_ == State::PENDING_SHUTDOWN ||
        state_ == State::NOT_RUNNING) {
      return;
    }
    setStateLocked(State::PENDING_ERROR);
    shutDownOnErrorLocked();
  }

  void shutDownOnErrorLocked() {
    for (auto& t : threads_) t->shutdown();
    if (globalThread_) globalThread_->shutdown();
    // Joining happens off the dying thread.
    if (!errorShutdown_.joinable()) {
      errorShutdown_ = std::thread([this] {
        std::unique_lock<std::recursive_mutex> lock(mu_);
        changed_.wait(lock, [&] {
          for (auto& t : threads_) {
            if (!t->finished()) return false;
          }
          return true;
        });
        if (state_ == State::PENDING_ERROR) setStateLocked(State::ERROR);
      });
    }
  }

  void onGlobalThreadError(std::exception_ptr error) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (handler_) {
      try {
        (void)handler_(error);  // a global thread is never replaced: the client shuts down
      } catch (...) {
        KS_LOG(ERROR, "The uncaught exception handler threw");
      }
    }
    KS_LOG(ERROR, "The global stream thread died; shutting the client down");
    if (state_ == State::PENDING_ERROR || state_ == State::ERROR || state_ == State::PENDING_SHUTDOWN ||
        state_ == State::NOT_RUNNING) {
      return;
    }
    setStateLocked(State::PENDING_ERROR);
    shutDownOnErrorLocked();
  }

  Topology topology_;
  StreamsConfigValues config_;
  Metrics metrics_;
  std::unique_ptr<StateDirectory> directory_;
  std::unique_ptr<RocksDBResources> rocksdb_;
  RocksDBConfigSetter configSetter_;
  mutable std::recursive_mutex mu_;
  std::condition_variable_any changed_;
  State state_ = State::CREATED;
  KafkaStreams::StateListener listener_;
  KafkaStreams::UncaughtExceptionHandler handler_;
  std::vector<std::unique_ptr<StreamThread>> threads_;
  std::unique_ptr<GlobalStreamThread> globalThread_;
  std::shared_ptr<const GlobalStoreMap> globalStores_;
  bool globalStarting_ = false;  // start() waits for the global stores to restore
  int nextThreadIndex_ = 0;
  std::thread errorShutdown_;
};

}  // namespace internal

KafkaStreams::KafkaStreams(const Topology& topology, const Properties& config)
    : impl_(std::make_unique<internal::KafkaStreamsImpl>(topology, config)) {}
KafkaStreams::~KafkaStreams() = default;
void KafkaStreams::start() { impl_->start(); }
bool KafkaStreams::close(std::chrono::milliseconds timeout) { return impl_->close(timeout); }
KafkaStreams::State KafkaStreams::state() const { return impl_->state(); }
void KafkaStreams::setStateListener(StateListener listener) { impl_->setStateListener(std::move(listener)); }
void KafkaStreams::setRocksDBConfigSetter(RocksDBConfigSetter setter) {
  impl_->setRocksDBConfigSetter(std::move(setter));
}
void KafkaStreams::setUncaughtExceptionHandler(UncaughtExceptionHandler handler) {
  impl_->setUncaughtExceptionHandler(std::move(handler));
}
std::map<std::string, double> KafkaStreams::metrics() const { return impl_->metrics(); }

}  // namespace kstreams
