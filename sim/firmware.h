// The MCU's side of the protocol as nymph-boardsim runs it: command
// handling, the handshake, the host watchdog and fault flags, reading the
// simulated card through its sensor front-ends. Its own code, sharing only
// the wire contract (mcu/protocol.h, mcu/frame.h) with the host side.
//
// Thread safety: none; the simulator's event loop owns it. Times `now_s`
// are real monotonic seconds (the watchdog runs in real time, whatever the
// simulation's time scale).
#pragma once

#include <optional>

#include "mcu/frame.h"
#include "mcu/protocol.h"
#include "sim/card.h"
#include "sim/faults.h"

namespace nymph::sim {

struct FirmwareOptions {
  double watchdog_s = 3;    // 0 disables the watchdog
  double initial_duty = 1;  // fan duty at power-on, until the host sets one
  int vcore_vout_exponent = -9;               // VOUT_MODE 0x17: LINEAR16
  VidTable vnpu_vid_table = VidTable::kVr12;  // VOUT_MODE 0x21
  uint8_t firmware_major = 1;
  uint8_t firmware_minor = 0;
  uint8_t protocol_major = mcu::kProtocolMajor;
  uint8_t protocol_minor = mcu::kProtocolMinor;
};

class Firmware {
 public:
  Firmware(Card& card, const Faults& faults, FirmwareOptions options,
           double now_s);

  // Handles one good frame from the host; empty when the MCU stays silent.
  std::optional<mcu::Frame> Handle(const mcu::Frame& request, double now_s);
  // Runs the watchdog and fault detection; call at least every 10 ms.
  void Tick(double now_s);
  // A power cycle: handshake forgotten, counters and uptime reset.
  void Reboot(double now_s);
  void CountRejectedFrames(uint64_t count) { frames_rejected_ += count; }

  uint16_t fault_flags() const;
  double commanded_duty() const { return commanded_duty_; }
  double applied_duty() const {
    return watchdog_tripped_ ? 1.0 : commanded_duty_;
  }
  mcu::LedMode led() const { return led_; }
  // What the ADC reads on `channel` now, faults included.
  uint16_t NtcCounts(uint8_t channel) const;
  // The PMBus register `code` of `rail`; empty if the device NACKs it.
  std::optional<uint16_t> PmbusRead(uint8_t rail, uint8_t code) const;

 private:
  std::vector<uint8_t> Execute(const mcu::Frame& request, double now_s);
  uint16_t TachPeriod() const;
  uint16_t PmbusStatusWord(uint8_t rail) const;

  Card& card_;
  const Faults& faults_;
  FirmwareOptions options_;
  double boot_s_;
  double last_host_s_;
  bool hello_done_ = false;
  double commanded_duty_;
  bool watchdog_tripped_ = false;
  uint16_t watchdog_trips_ = 0;
  bool ever_pulsed_ = false;
  double no_pulse_since_sim_s_ = -1;  // < 0: pulses present or not driven
  bool fan_stalled_ = false;
  uint64_t frames_ok_ = 0;
  uint64_t frames_rejected_ = 0;
  uint64_t rejected_at_last_status_ = 0;
  mcu::LedMode led_ = mcu::LedMode::kBlinkSlow;
};

}  // namespace nymph::sim
