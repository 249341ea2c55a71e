#include "percentile.h"

#include <algorithm>
#include <cmath>

namespace nymph::bench {

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  double h = (values.size() - 1) * p / 100.0;
  size_t low = static_cast<size_t>(std::floor(h));
  size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (h - low) * (values[high] - values[low]);
}

}  // namespace nymph::bench
