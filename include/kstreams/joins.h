// Joins: stream-stream (windowed), stream-table and table-table, defined here
// because they need KStream and KTable complete.
#pragma once

#include "kstreams/kstream.h"
#include "kstreams/ktable.h"
