// Wider neuron blocks for the fused neuron kernels. They stream more series per step than the single
// dynamics kernels, and with 64-neuron blocks on neuron-contiguous storage (N T C) each series becomes C/64
// interleaved streams with a stride of C elements per step, which the hardware prefetchers do not follow
// across pages. A block of up to kWide neurons reads whole rows of C <= kWide: one sequential stream each.
#pragma once

#include "fixed_point.h"

namespace slayer_cpu {

constexpr int64_t kWide = 512;

template <typename F>
void for_each_wide_block(int64_t N, int64_t M, int64_t T, const F& body) {
  if (N == 0 || M == 0) return;  // nothing to do (and no division by a zero block count below)
  const int64_t per_sample = (M + kWide - 1) / kWide;
  const int64_t width = (M + per_sample - 1) / per_sample;  // equal blocks: 600 neurons -> 2 x 300
  const int64_t work = width * std::max<int64_t>(T, 1);
  const int64_t grain = std::max<int64_t>(1, 32768 / work);
  at::parallel_for(0, N * per_sample, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / per_sample;
      const int64_t m0 = (i % per_sample) * width;
      body(n, m0, std::min(width, M - m0));
    }
  });
}

}  // namespace slayer_cpu

namespace slayer_cpu {

// int / s_scale in float units, as to_float does; when s_scale is a power of two (always, for the neurons)
// multiplying by its exact reciprocal gives the same value without a division.
template <typename scalar_t>
struct Unscale {
  scalar_t scale, inverse;
  bool power_of_two;
  explicit Unscale(int64_t s_scale)
      : scale(static_cast<scalar_t>(s_scale)),
        inverse(scalar_t(1) / static_cast<scalar_t>(s_scale)),
        power_of_two(s_scale > 0 && (s_scale & (s_scale - 1)) == 0) {}
  scalar_t operator()(int64_t value, bool poisoned) const {
    const scalar_t x = static_cast<scalar_t>(value);
    const scalar_t y = power_of_two ? x * inverse : x / scale;
    return poisoned ? std::numeric_limits<scalar_t>::quiet_NaN() : y;
  }
};

}  // namespace slayer_cpu
