// The one percentile definition of every benchmark program.
#pragma once

#include <vector>

namespace nymph::bench {

// The p-th percentile (0 <= p <= 100) by linear interpolation between the
// two nearest ranks, as NumPy's default: with the values sorted as x[0..n-1]
// and h = (n - 1) * p / 100, it is x[floor(h)] + (h - floor(h)) *
// (x[floor(h) + 1] - x[floor(h)]). REQUIRES: `values` is not empty.
double Percentile(std::vector<double> values, double p);

}  // namespace nymph::bench
