#include "scenario_spec.h"

#include <cmath>
#include <vector>

namespace nymph::bench {
namespace {

std::vector<std::string> SplitColons(const std::string& text) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t colon; (colon = text.find(':', from)) != std::string::npos;
       from = colon + 1) {
    parts.push_back(text.substr(from, colon - from));
  }
  parts.push_back(text.substr(from));
  return parts;
}

Status Invalid(const std::string& text, const std::string& why) {
  return Status(ErrorKind::kBadRequest, "scenario",
                "--scenario '" + text + "': " + why +
                    "; use single, concurrent:N or poisson:RATE, optionally "
                    "followed by :unique, :shared-prefix or :infer");
}

}  // namespace

StatusOr<ScenarioSpec> ParseScenario(const std::string& text) {
  std::vector<std::string> parts = SplitColons(text);
  ScenarioSpec spec;
  spec.name = text;
  size_t next = 1;
  if (parts[0] == "single") {
    spec.clients = 1;
  } else if (parts[0] == "concurrent" || parts[0] == "poisson") {
    if (parts.size() < 2) return Invalid(text, "a number must follow");
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(parts[1], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != parts[1].size() || !std::isfinite(value) || value <= 0) {
      return Invalid(text, "'" + parts[1] + "' is not a positive number");
    }
    if (parts[0] == "concurrent") {
      if (value != std::floor(value) || value > 1024) {
        return Invalid(text, "streams must be a whole number up to 1024");
      }
      spec.clients = static_cast<int>(value);
    } else {
      spec.arrival = Arrival::kPoisson;
      spec.rate_per_s = value;
    }
    next = 2;
  } else {
    return Invalid(text, "unknown kind '" + parts[0] + "'");
  }
  if (parts.size() > next + 1) return Invalid(text, "too many parts");
  if (parts.size() == next + 1) {
    if (parts[next] == "shared-prefix") {
      spec.prompts = PromptKind::kSharedPrefix;
    } else if (parts[next] == "infer") {
      spec.prompts = PromptKind::kInfer;
    } else if (parts[next] != "unique") {
      return Invalid(text, "unknown prompts '" + parts[next] + "'");
    }
  }
  return spec;
}

const char* ArrivalName(Arrival arrival) {
  return arrival == Arrival::kPoisson ? "poisson" : "closed_loop";
}

const char* PromptKindName(PromptKind kind) {
  switch (kind) {
    case PromptKind::kSharedPrefix:
      return "shared_prefix";
    case PromptKind::kInfer:
      return "infer";
    default:
      return "unique";
  }
}

}  // namespace nymph::bench
