// CRC-32 (IEEE 802.3, the zlib/PNG one).
#pragma once

#include <cstdint>
#include <string_view>

namespace kstreams::internal {

/// Reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF:
/// crc32("123456789") == 0xCBF43926.
[[nodiscard]] uint32_t crc32(std::string_view bytes);

}  // namespace kstreams::internal
