// The real spike and its surrogate gradient (slayer/spike/real.py), shared by the fused neuron kernels.
#pragma once

#include <algorithm>
#include <cmath>

namespace slayer_cpu {

// Forward: 1[v >= level], or v at a spike when graded (0 * v elsewhere: NaN stays NaN, as in torch).
template <typename S>
inline S spike_value(S voltage, S level, bool graded) {
  const S fired = voltage >= level ? S(1) : S(0);
  return graded ? fired * voltage : fired;
}

// The Laplace bump scale_rho * exp(-|u| / tau) / (2 tau) at u = v - level.
template <typename S>
inline S laplace_bump(S distance, S tau, S scale_rho) {
  return scale_rho * (std::exp(-std::abs(distance) / tau) / (S(2) * tau));
}

// ∂s/∂v: the bump (binary) or scale_rho * exp(min(u, 0) / tau) (graded, lava-dl's heuristic).
template <typename S>
inline S spike_slope(S distance, S bump, S tau, S scale_rho, bool graded) {
  return graded ? scale_rho * std::exp(std::min(distance, S(0)) / tau) : bump;
}

}  // namespace slayer_cpu
