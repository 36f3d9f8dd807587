// The real spike and its surrogate gradient (slayer/spike/real.py), shared by the fused neuron kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace slayer_cpu {

// Forward: 1[v >= level], or v at a spike when graded (0 * v elsewhere: NaN stays NaN, as in torch).
template <typename S>
inline S spike_value(S voltage, S level, bool graded) {
  const S fired = voltage >= level ? S(1) : S(0);
  return graded ? fired * voltage : fired;
}

// exp(x) for x <= 0 in float32 without a library call, cheaper than the libm call: 2^n e^r with
// n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 split in two for exactness) and a degree-6
// Taylor polynomial (relative error < 2e-7, about 2 ulp). Below -87 it returns about 1e-38 instead of a
// denormal or 0; NaN stays NaN.
inline float exp_nonpositive(float x) {
  const float clamped = std::max(x, -87.0f);  // (x < -87) ? -87 : x, so NaN stays NaN
  // round to nearest with the 1.5 * 2^23 trick (no SSE4.1 rounding instruction needed to vectorise)
  const float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
inline double exp_nonpositive(double x) { return std::exp(x); }

// The surrogate gradient of the real spike at u = v - level, with its constants computed once per call
// (1 / tau and the bump's peak: multiplying by them instead of dividing twice per element keeps the backward
// loops off the divider; the values differ from the reference's divisions by rounding only).
template <typename S>
struct Surrogate {
  S inverse_tau, peak, scale_rho;  // 1 / tau, scale_rho / (2 tau), scale_rho

  Surrogate(S tau, S scale) : inverse_tau(S(1) / tau), peak(scale / (S(2) * tau)), scale_rho(scale) {}

  // The Laplace bump scale_rho * exp(-|u| / tau) / (2 tau).
  S bump(S distance) const { return peak * exp_nonpositive(-std::abs(distance) * inverse_tau); }

  // ∂s/∂v of a graded spike: scale_rho * exp(min(u, 0) / tau) (lava-dl's heuristic).
  S graded_slope(S distance) const { return scale_rho * exp_nonpositive(std::min(distance, S(0)) * inverse_tau); }
};

}  // namespace slayer_cpu
