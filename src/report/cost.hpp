#pragma once
/// AWS Lambda cost model: billed duration × configured memory, plus a per-request charge.
#include <cstdint>
#include <span>

#include "common/json.hpp"

namespace cosmicai::report {

/// Prices and configuration; the defaults are the seeds' (10,240 MB executors, us-east-1 x86 prices).
struct LambdaPricing {
  double memory_mb = 10240;                 ///< configured function memory (billing uses this, not the peak)
  double usd_per_gb_second = 0.0000166667;  ///< compute price
  double usd_per_million_requests = 0.20;   ///< request price
};

/// Cost of a set of invocations.
struct LambdaCost {
  std::int64_t requests = 0;
  double billed_seconds = 0;  ///< Σ per-invocation billed duration
  double gb_seconds = 0;      ///< billed_seconds × memory GB
  double compute_usd = 0;
  double request_usd = 0;
  double total_usd = 0;
};

/// Return the billed duration of one invocation in milliseconds: the duration
/// rounded up to the next whole millisecond (AWS bills in 1 ms steps), at least 1 ms.
std::int64_t billed_milliseconds(double seconds);

/// Cost of one invocation per duration in `durations_s`:
/// Σ billed seconds × memory_mb/1024 × usd_per_gb_second + requests × usd_per_million_requests / 1e6.
LambdaCost lambda_cost(std::span<const double> durations_s, const LambdaPricing& pricing = {});

/// Return the cost and the pricing it used as JSON.
json cost_to_json(const LambdaCost& cost, const LambdaPricing& pricing);

}  // namespace cosmicai::report
