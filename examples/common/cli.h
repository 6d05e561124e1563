// Command-line handling shared by the examples: the common flags, --help, and a
// run loop that stops cleanly on SIGTERM/SIGINT.
#pragma once

#include <kstreams/kstreams.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace examples {

struct Flag {
  std::string name;  // without the leading --
  std::string defaultValue;
  std::string help;
};

/// Parses --name value and --name=value. Prints usage and exits on --help (0) or
/// on an unknown flag or a missing value (2).
inline std::map<std::string, std::string> parseFlags(int argc, char** argv, const std::string& program,
                                                     const std::string& summary, const std::vector<Flag>& flags) {
  std::map<std::string, std::string> values;
  for (const auto& f : flags) values[f.name] = f.defaultValue;
  auto usage = [&](std::FILE* out) {
    std::fprintf(out, "Usage: %s [flags]\n%s\n\nFlags:\n", program.c_str(), summary.c_str());
    for (const auto& f : flags) {
      std::fprintf(out, "  --%-20s %s (default: %s)\n", f.name.c_str(), f.help.c_str(),
                   f.defaultValue.empty() ? "none" : f.defaultValue.c_str());
    }
    std::fprintf(out, "  --%-20s %s\n", "help", "print this help");
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) {
      std::fprintf(stderr, "%s: unexpected argument '%s'\n", program.c_str(), arg.c_str());
      usage(stderr);
      std::exit(2);
    }
    std::string name = arg.substr(2);
    std::string value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (values.count(name) == 0) {
      std::fprintf(stderr, "%s: unknown flag --%s\n", program.c_str(), name.c_str());
      usage(stderr);
      std::exit(2);
    }
    if (!hasValue) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: flag --%s needs a value\n", program.c_str(), name.c_str());
        std::exit(2);
      }
      value = argv[++i];
    }
    if (name == "config" && !values[name].empty()) {
      values[name] += "\n" + value;  // repeatable
    } else {
      values[name] = value;
    }
  }
  return values;
}

/// The flags every example has.
inline std::vector<Flag> commonFlags(const std::string& applicationId) {
  return {
      {"bootstrap-servers", "127.0.0.1:9092", "Kafka brokers, host:port[,host:port]"},
      {"application-id", applicationId, "application.id: consumer group and internal topic prefix"},
      {"state-dir", "/tmp/kstreams", "state.dir: where local state lives"},
      {"commit-interval-ms", "1000", "commit.interval.ms"},
      {"threads", "1", "num.stream.threads"},
      {"config", "", "KEY=VALUE: any other kstreams or librdkafka setting (repeatable), e.g. consumer.session.timeout.ms=10000"},
  };
}

inline kstreams::Properties commonProperties(const std::map<std::string, std::string>& flags) {
  kstreams::Properties props{
      {kstreams::StreamsConfig::BOOTSTRAP_SERVERS_CONFIG, flags.at("bootstrap-servers")},
      {kstreams::StreamsConfig::APPLICATION_ID_CONFIG, flags.at("application-id")},
      {kstreams::StreamsConfig::STATE_DIR_CONFIG, flags.at("state-dir")},
      {kstreams::StreamsConfig::COMMIT_INTERVAL_MS_CONFIG, flags.at("commit-interval-ms")},
      {kstreams::StreamsConfig::NUM_STREAM_THREADS_CONFIG, flags.at("threads")},
  };
  std::string rest = flags.at("config");
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find('\n', start);
    if (end == std::string::npos) end = rest.size();
    const std::string item = rest.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "--config needs KEY=VALUE, got '%s'\n", item.c_str());
      std::exit(2);
    }
    props[item.substr(0, eq)] = item.substr(eq + 1);
    start = end + 1;
  }
  return props;
}

/// Starts the topology and runs until SIGTERM or SIGINT, then closes cleanly
/// (commit, leave the group). Returns the process exit code: 0 after a clean
/// stop, 1 when the client failed.
inline int runUntilSignal(const kstreams::Topology& topology, const kstreams::Properties& props,
                          const std::string& program) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // Blocked here, before the stream threads start, so that they inherit the mask
  // and only this thread receives the signals.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    kstreams::KafkaStreams streams(topology, props);
    streams.start();
    std::fprintf(stderr, "%s: running; stop with SIGTERM or Ctrl-C\n", program.c_str());
    for (;;) {
      timespec wait{0, 200 * 1000 * 1000};
      const int sig = sigtimedwait(&signals, nullptr, &wait);
      if (sig == SIGTERM || sig == SIGINT) {
        std::fprintf(stderr, "%s: signal %d, closing\n", program.c_str(), sig);
        break;
      }
      if (streams.state() == kstreams::KafkaStreams::State::ERROR ||
          streams.state() == kstreams::KafkaStreams::State::PENDING_ERROR) {
        streams.close(std::chrono::seconds(30));
        std::fprintf(stderr, "%s: stopped after an error (see the log above)\n", program.c_str());
        return 1;
      }
    }
    const bool clean = streams.close(std::chrono::seconds(60));
    const auto m = streams.metrics();
    std::fprintf(stderr, "%s: closed%s; processed %.0f, produced %.0f, dropped %.0f records\n", program.c_str(),
                 clean ? "" : " (timed out)", m.at("process-total"), m.at("produce-total"),
                 m.at("dropped-records-total"));
    return clean ? 0 : 1;
  } catch (const kstreams::StreamsException& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return 1;
  }
}

}  // namespace examples
