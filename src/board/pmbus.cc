#include "board/pmbus.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace nymph::board {
namespace {

// Two's complement value of the low `bits` bits of `raw`.
int SignExtend(uint32_t raw, int bits) {
  const uint32_t mask = (uint32_t{1} << bits) - 1;
  const uint32_t sign = uint32_t{1} << (bits - 1);
  const int value = static_cast<int>(raw & mask);
  return (raw & sign) ? value - static_cast<int>(mask + 1) : value;
}

// VOUT_MODE bits 7:5 (PMBus Part II §8.3.1).
enum class VoutFormat { kLinear = 0, kVid = 1, kDirect = 2, kIeeeHalf = 3 };

// VID code tables, as Intel's VR12/VR13 documents define them and as the
// TPS53667/TPS53679 datasheets' VID tables list them (Linux's pmbus_core
// decodes them the same way): code 0 is off, code 1 is the table's lowest
// voltage, each further code adds one DAC step.
struct VidTable {
  const char* name;
  double volts_at_code_1;
  double step_volts;
};
constexpr VidTable kVr12 = {"VR12", 0.25, 0.005};
constexpr VidTable kVr13 = {"VR13", 0.50, 0.010};

// VOUT_MODE's parameter bits in VID mode select the protocol and DAC step
// on TI's multiphase controllers (TPS53647/53667/53679 family; the codes
// match Linux's tps53679 driver). Both 5 mV protocols share the VR12 table
// and both 10 mV protocols the VR13 table.
const VidTable* VidTableFor(uint8_t parameter) {
  switch (parameter) {
    case 0x01:  // VR12.0, 5 mV DAC
    case 0x05:  // IMVP8, 5 mV DAC
    case 0x07:  // VR13.0, 5 mV DAC
      return &kVr12;
    case 0x02:  // VR12.5, 10 mV DAC
    case 0x04:  // VR13.0, 10 mV DAC
      return &kVr13;
    default:
      return nullptr;
  }
}

std::string Hex(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", value);
  return text;
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

Status VoutModeError(uint8_t vout_mode, const std::string& why) {
  return Status(ErrorKind::kUnavailable, "pmbus_vout_mode",
                "VOUT_MODE " + Hex(vout_mode) + " " + why +
                    "; READ_VOUT cannot be decoded, so the rail's output "
                    "voltage is not reported");
}

}  // namespace

double DecodeLinear11(uint16_t word) {
  const int exponent = SignExtend(word >> 11, 5);
  const int mantissa = SignExtend(word, 11);
  return std::ldexp(mantissa, exponent);
}

double DecodeLinear16(uint16_t mantissa, uint8_t vout_mode) {
  return std::ldexp(mantissa, SignExtend(vout_mode, 5));
}

StatusOr<double> DecodeVout(uint16_t word, uint8_t vout_mode) {
  const uint8_t parameter = vout_mode & 0x1F;
  switch (static_cast<VoutFormat>(vout_mode >> 5)) {
    case VoutFormat::kLinear:
      return DecodeLinear16(word, vout_mode);
    case VoutFormat::kVid: {
      const VidTable* table = VidTableFor(parameter);
      if (!table) {
        return VoutModeError(vout_mode, "names VID table " + Hex(parameter) +
                                            ", which is not VR12 or VR13");
      }
      // VID codes are 8 bits; like Linux, ignore the upper byte, which
      // the TPS536xx leaves zero.
      const uint8_t code = word & 0xFF;
      if (code == 0) return 0.0;
      return table->volts_at_code_1 + (code - 1) * table->step_volts;
    }
    case VoutFormat::kDirect:
      return VoutModeError(vout_mode,
                           "selects the direct format, which needs "
                           "coefficients this decoder does not have");
    case VoutFormat::kIeeeHalf:
      return VoutModeError(vout_mode,
                           "selects IEEE half precision, which the card's "
                           "controller does not use");
  }
  return VoutModeError(vout_mode,
                       "has a reserved mode or PMBus 1.3's relative flag");
}

Status CheckRailRange(std::string_view what, double value, PlausibleRange range,
                      std::string_view unit) {
  if (value >= range.min && value <= range.max) return {};
  const std::string u(unit);
  return Status(ErrorKind::kUnavailable, "rail_out_of_range",
                std::string(what) + " reads " + Number(value) + " " + u +
                    ", outside the plausible " + Number(range.min) + " to " +
                    Number(range.max) + " " + u +
                    ": treated as a sensor fault, not a reading");
}

}  // namespace nymph::board
