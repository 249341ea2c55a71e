// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no
// reflection, no final XOR): the integrity check of every MCU frame. Its
// check value, the CRC of the ASCII bytes "123456789", is 0x29B1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nymph::mcu {

uint16_t Crc16CcittFalse(std::span<const uint8_t> bytes);

}  // namespace nymph::mcu
