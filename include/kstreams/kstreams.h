// The kstreams public API in one include.
#pragma once

#include "kstreams/config.h"
#include "kstreams/errors.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/kstream.h"
#include "kstreams/ktable.h"
#include "kstreams/state.h"
#include "kstreams/options.h"
#include "kstreams/processor.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/streams_builder.h"
#include "kstreams/suppressed.h"
#include "kstreams/timestamp_extractor.h"
#include "kstreams/topology.h"
#include "kstreams/windows.h"
