#include "statestores/crc32.h"

#include <array>

namespace kstreams::internal {

namespace {
constexpr uint32_t kPolynomial = 0xEDB88320U;

constexpr std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1U) != 0 ? kPolynomial ^ (c >> 1U) : c >> 1U;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = makeTable();
}  // namespace

uint32_t crc32(std::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFU;
  for (const char ch : bytes) {
    crc = kTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8U);
  }
  return crc ^ 0xFFFFFFFFU;
}

}  // namespace kstreams::internal
