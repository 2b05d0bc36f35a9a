#pragma once
/// Redshift accuracy metrics (cai_facts.md §4, as the original `Plot_Redshift.py` defines them).
#include <cstdint>
#include <span>

#include "common/json.hpp"
#include "common/result.hpp"

namespace cosmicai::report {

/// Accuracy of predicted redshifts ẑ against true redshifts z over `count` samples.
/// With Δz = (ẑ − z)/(1 + z):
///   mae  = mean |ẑ − z|
///   mse  = mean (ẑ − z)²
///   bias = mean Δz
///   nmad = 1.48 · median |Δz − median Δz|   (median of an even count = mean of the two middle values)
///   r2   = 1 − SS_res/SS_tot with SS_res = Σ(ẑ − z)², SS_tot = Σ(z − mean z)²; NaN when SS_tot = 0.
struct Accuracy {
  std::int64_t count = 0;
  double mae = 0;
  double mse = 0;
  double bias = 0;
  double nmad = 0;
  double r2 = 0;
};

/// Compute the metrics. Errors (kInvalidArgument) when the spans differ in length,
/// are empty, or a true redshift is −1 (Δz undefined).
Result<Accuracy> compute_accuracy(std::span<const double> truth, std::span<const double> predicted);

/// Return {"samples", "mae", "mse", "bias", "nmad", "r2"}; a NaN becomes null.
json accuracy_to_json(const Accuracy& accuracy);

/// Return the median of `values` (reorders them). Precondition: not empty.
double median_in_place(std::span<double> values);

}  // namespace cosmicai::report
