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
/// The inputs of each join (TopologyDef::copartitionGroups) must have one
/// partition count: repartition topics without a count of their own take the
/// group's; external topics (partition counts in `external`) or repartition
/// topics with given counts that differ throw TopologyException naming them.
void enforceCopartitioning(const TopologyDef& def, const std::map<std::string, int32_t>& external,
                           std::map<std::string, int32_t>& planned);

std::map<std::string, int32_t> prepareTopics(const TopologyDef& def, const StreamsConfigValues& config);

}  // namespace kstreams::internal
