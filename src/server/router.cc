#include "server/router.h"

#include <algorithm>

namespace nymph {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool MatchSegments(const std::vector<std::string>& pattern,
                   const std::vector<std::string>& path,
                   std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (path[i].empty()) return false;
      params[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern,
                 Handler handler) {
  routes_.push_back({method, pattern, Split(pattern), std::move(handler)});
}

std::string Router::Listing() const {
  std::string listing;
  for (const Route& route : routes_) {
    listing +=
        (listing.empty() ? "" : ", ") + route.method + " " + route.pattern;
  }
  return listing;
}

Router::Match Router::Find(const std::string& method,
                           const std::string& path) const {
  Match match;
  if (path.empty() || path.front() != '/') return match;
  std::vector<std::string> segments = Split(path);
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchSegments(route.segments, segments, params)) continue;
    if (route.method == method) {
      match.handler = &route.handler;
      match.pattern = route.pattern;
      match.params = std::move(params);
      match.status = 200;
      match.allowed.clear();
      return match;
    }
    match.status = 405;
    match.pattern = route.pattern;
    if (std::find(match.allowed.begin(), match.allowed.end(), route.method) ==
        match.allowed.end()) {
      match.allowed.push_back(route.method);
    }
  }
  return match;
}

}  // namespace nymph
