// Start-up checks and creation of internal topics through the Admin API.
#pragma once

#include <map>
#include <string>

#include "dsl/topology_def.h"
#include "src/streams_config.h"

namespace kstreams::internal {

/// Checks that every source topic exists, creates the missing repartition topics
/// (`<application.id>-<name>`) with the right partition count and waits until they
/// are visible. Returns the partition count of every topic the topology reads
/// (full names). Throws MissingSourceTopicException or StreamsException.
std::map<std::string, int32_t> prepareTopics(const TopologyDef& def, const StreamsConfigValues& config);

}  // namespace kstreams::internal
