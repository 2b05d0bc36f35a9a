#include "report/cost.hpp"

#include <algorithm>
#include <cmath>

namespace cosmicai::report {

std::int64_t billed_milliseconds(double seconds) {
  // Guard against binary noise: 0.1 s is 100 ms, not 101.
  const double ms = std::ceil(seconds * 1000.0 - 1e-6);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(ms));
}

LambdaCost lambda_cost(std::span<const double> durations_s, const LambdaPricing& pricing) {
  LambdaCost c;
  c.requests = static_cast<std::int64_t>(durations_s.size());
  std::int64_t billed_ms = 0;
  for (double d : durations_s) billed_ms += billed_milliseconds(d);
  c.billed_seconds = static_cast<double>(billed_ms) / 1000.0;
  c.gb_seconds = c.billed_seconds * pricing.memory_mb / 1024.0;
  c.compute_usd = c.gb_seconds * pricing.usd_per_gb_second;
  c.request_usd = static_cast<double>(c.requests) * pricing.usd_per_million_requests / 1e6;
  c.total_usd = c.compute_usd + c.request_usd;
  return c;
}

json cost_to_json(const LambdaCost& c, const LambdaPricing& p) {
  return json{{"requests", c.requests},
              {"billed_seconds", c.billed_seconds},
              {"gb_seconds", c.gb_seconds},
              {"compute_usd", c.compute_usd},
              {"request_usd", c.request_usd},
              {"total_usd", c.total_usd},
              {"pricing",
               {{"memory_mb", p.memory_mb},
                {"usd_per_gb_second", p.usd_per_gb_second},
                {"usd_per_million_requests", p.usd_per_million_requests}}}};
}

}  // namespace cosmicai::report
