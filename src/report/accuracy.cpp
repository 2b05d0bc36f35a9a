#include "report/accuracy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cosmicai::report {

double median_in_place(std::span<double> values) {
  const std::size_t n = values.size();
  const std::size_t mid = n / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2.0;
}

Result<Accuracy> compute_accuracy(std::span<const double> truth, std::span<const double> predicted) {
  if (truth.size() != predicted.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("accuracy: {} true redshifts but {} predictions", truth.size(), predicted.size()));
  }
  if (truth.empty()) return make_error(ErrorCode::kInvalidArgument, "accuracy: no samples");
  const auto n = truth.size();
  std::vector<double> dz(n);
  double abs_sum = 0, sq_sum = 0, dz_sum = 0, z_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double z = truth[i];
    const double e = predicted[i] - z;
    if (z == -1.0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("accuracy: sample {} has true redshift -1, so Δz=(ẑ−z)/(1+z) is undefined", i));
    }
    abs_sum += std::fabs(e);
    sq_sum += e * e;
    dz[i] = e / (1.0 + z);
    dz_sum += dz[i];
    z_sum += z;
  }
  Accuracy a;
  a.count = static_cast<std::int64_t>(n);
  const double dn = static_cast<double>(n);
  a.mae = abs_sum / dn;
  a.mse = sq_sum / dn;
  a.bias = dz_sum / dn;
  const double z_mean = z_sum / dn;
  double ss_tot = 0;
  for (double z : truth) ss_tot += (z - z_mean) * (z - z_mean);
  a.r2 = ss_tot > 0 ? 1.0 - sq_sum / ss_tot : std::numeric_limits<double>::quiet_NaN();
  const double dz_median = median_in_place(dz);
  for (double& d : dz) d = std::fabs(d - dz_median);
  a.nmad = 1.48 * median_in_place(dz);
  return a;
}

namespace {
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
}  // namespace

json accuracy_to_json(const Accuracy& a) {
  return json{{"samples", a.count},
              {"mae", number_or_null(a.mae)},
              {"mse", number_or_null(a.mse)},
              {"bias", number_or_null(a.bias)},
              {"nmad", number_or_null(a.nmad)},
              {"r2", number_or_null(a.r2)}};
}

}  // namespace cosmicai::report
