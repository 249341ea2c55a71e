#include "sim/control_commands.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace nymph::sim {

const char* const kControlCommandHelp =
    "  state                     true temperatures, fan, power (JSON)\n"
    "  params                    the physical model's parameters (JSON)\n"
    "  load WATTS                synthetic dynamic load at full clock\n"
    "  ambient CELSIUS           ambient (inlet) air temperature\n"
    "  ntc ZONE open|short|ok    thermistor fault; ZONE: soc vrm npu nvme "
    "ambient\n"
    "  ntc ZONE stuck [COUNTS]   ADC reading frozen (default: current one)\n"
    "  fan stall|ok              locked rotor, or free again\n"
    "  silence on|off|N          answer nothing, or drop the next N "
    "requests\n"
    "  corrupt N                 flip a bit in each of the next N answers\n"
    "  noise BYTES|off           random bytes before every answer\n"
    "  reboot                    power-cycle the MCU (handshake needed)\n"
    "  clear                     clear every injected fault\n"
    "  help                      this list\n";

namespace {

std::vector<std::string> Words(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

template <typename T>
bool ParseNumber(const std::string& text, T& value) {
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

std::string NtcFaultName(NtcFault kind) {
  switch (kind) {
    case NtcFault::kOpen:
      return "open";
    case NtcFault::kShort:
      return "short";
    case NtcFault::kStuck:
      return "stuck";
    case NtcFault::kNone:
      break;
  }
  return "ok";
}

nlohmann::json StateJson(Simulation& sim) {
  nlohmann::json state = sim.card.StateJson();
  nlohmann::json counts = nlohmann::json::object();
  nlohmann::json ntc_faults = nlohmann::json::object();
  for (uint8_t ch = 0; ch < mcu::kNtcChannelNames.size(); ++ch) {
    std::string name(mcu::kNtcChannelNames[ch]);
    counts[name] = sim.firmware.NtcCounts(ch);
    ntc_faults[name] = NtcFaultName(sim.faults.ntc[ch].kind);
  }
  nlohmann::json flags = nlohmann::json::array();
  for (auto name : mcu::FaultFlagNames(sim.firmware.fault_flags())) {
    flags.push_back(std::string(name));
  }
  state["mcu"] = {{"commanded_duty", sim.firmware.commanded_duty()},
                  {"applied_duty", sim.firmware.applied_duty()},
                  {"fault_flags", flags},
                  {"led", static_cast<int>(sim.firmware.led())},
                  {"ntc_counts", counts}};
  state["injected"] = {{"ntc", ntc_faults},
                       {"fan_locked", sim.faults.fan_locked},
                       {"silent", sim.faults.silent},
                       {"drop_requests", sim.faults.drop_requests},
                       {"corrupt_responses", sim.faults.corrupt_responses},
                       {"noise_bytes", sim.faults.noise_bytes}};
  return state;
}

std::string Ntc(const std::vector<std::string>& w, Simulation& sim) {
  if (w.size() < 3) return "error usage: ntc ZONE open|short|stuck|ok";
  auto channel = mcu::NtcChannelByName(w[1]);
  if (!channel) return "error unknown zone " + w[1];
  NtcFaultState& fault = sim.faults.ntc[*channel];
  if (w[2] == "open") {
    fault = {NtcFault::kOpen, 0};
  } else if (w[2] == "short") {
    fault = {NtcFault::kShort, 0};
  } else if (w[2] == "ok") {
    fault = {};
  } else if (w[2] == "stuck") {
    uint16_t counts = sim.firmware.NtcCounts(*channel);
    if (w.size() > 3 &&
        (!ParseNumber(w[3], counts) || counts > mcu::kAdcMaxCount)) {
      return "error stuck counts must be 0..4095";
    }
    fault = {NtcFault::kStuck, counts};
  } else {
    return "error usage: ntc ZONE open|short|stuck [COUNTS]|ok";
  }
  return "ok ntc " + w[1] + " " + NtcFaultName(fault.kind);
}

std::string Silence(const std::vector<std::string>& w, Faults& faults) {
  if (w.size() != 2) return "error usage: silence on|off|N";
  int count = 0;
  if (w[1] == "on") {
    faults.silent = true;
  } else if (w[1] == "off") {
    faults.silent = false;
    faults.drop_requests = 0;
  } else if (ParseNumber(w[1], count) && count >= 0) {
    faults.drop_requests = count;
  } else {
    return "error usage: silence on|off|N";
  }
  return "ok silence " + w[1];
}

std::string Dispatch(const std::vector<std::string>& w, Simulation& sim,
                     double now_s) {
  const std::string& verb = w[0];
  double number = 0;
  int count = 0;
  if (verb == "help")
    return "ok commands: state params load ambient ntc "
           "fan silence corrupt noise reboot clear";
  if (verb == "state") return StateJson(sim).dump();
  if (verb == "params") return sim.card.ParamsJson().dump();
  if (verb == "load") {
    if (w.size() != 2 || !ParseNumber(w[1], number) || number < 0) {
      return "error usage: load WATTS (>= 0)";
    }
    sim.card.power_inputs().load_watts = number;
    return "ok load " + w[1];
  }
  if (verb == "ambient") {
    if (w.size() != 2 || !ParseNumber(w[1], number) || number < -40 ||
        number > 85) {
      return "error usage: ambient CELSIUS (-40..85)";
    }
    sim.card.set_ambient(number);
    return "ok ambient " + w[1];
  }
  if (verb == "ntc") return Ntc(w, sim);
  if (verb == "fan") {
    if (w.size() != 2 || (w[1] != "stall" && w[1] != "ok")) {
      return "error usage: fan stall|ok";
    }
    sim.faults.fan_locked = w[1] == "stall";
    return "ok fan " + w[1];
  }
  if (verb == "silence") return Silence(w, sim.faults);
  if (verb == "corrupt") {
    if (w.size() != 2 || !ParseNumber(w[1], count) || count < 0) {
      return "error usage: corrupt N";
    }
    sim.faults.corrupt_responses = count;
    return "ok corrupt " + w[1];
  }
  if (verb == "noise") {
    if (w.size() == 2 && w[1] == "off") {
      count = 0;
    } else if (w.size() != 2 || !ParseNumber(w[1], count) || count < 0 ||
               count > 1000) {
      return "error usage: noise BYTES (0..1000)|off";
    }
    sim.faults.noise_bytes = count;
    return "ok noise " + w[1];
  }
  if (verb == "reboot") {
    sim.firmware.Reboot(now_s);
    return "ok reboot";
  }
  if (verb == "clear") {
    sim.faults = Faults{};
    return "ok clear";
  }
  return "error unknown command " + verb + " (try help)";
}

}  // namespace

std::string ExecuteControlCommand(std::string_view line, Simulation& sim,
                                  double now_s) {
  std::vector<std::string> words = Words(line);
  if (words.empty()) return "error empty command (try help)";
  std::string answer = Dispatch(words, sim, now_s);
  if (words[0] != "state" && words[0] != "params" && words[0] != "help") {
    spdlog::info("control: {} -> {}", line, answer);
  }
  return answer;
}

}  // namespace nymph::sim
