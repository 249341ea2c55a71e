#include "mcu/crc16.h"

namespace nymph::mcu {

// Bitwise rather than table-driven: frames are at most 70 bytes, and the
// MCU side (an STM32F030 without much flash to spare) would do the same.
uint16_t Crc16CcittFalse(std::span<const uint8_t> bytes) {
  uint16_t crc = 0xFFFF;
  for (uint8_t byte : bytes) {
    crc ^= static_cast<uint16_t>(byte) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

}  // namespace nymph::mcu
