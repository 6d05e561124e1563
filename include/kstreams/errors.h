// Exceptions of the public API, named as in Kafka Streams.
#pragma once

#include <stdexcept>
#include <string>

namespace kstreams {

/// Base of every exception kstreams throws.
class StreamsException : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A topology that cannot be built or run: the message says what to change.
class TopologyException : public StreamsException {
 public:
  explicit TopologyException(const std::string& what)
      : StreamsException("Invalid topology: " + what) {}
};

/// A configuration key that is unknown or has a bad value.
class ConfigException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

/// Bytes that a serde could not turn into a value, or the reverse.
class SerializationException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

/// A source topic that does not exist on the broker.
class MissingSourceTopicException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

/// A call that is not allowed in the current state (for example start() twice).
class IllegalStateException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

}  // namespace kstreams
