// Exact fixed-point arithmetic in double precision, so that it vectorises (there is no 64-bit integer SIMD
// multiply or arithmetic shift below AVX-512, and no int64 <-> float conversion below AVX-512DQ). std::trunc
// vectorises (roundpd) only with -fno-trapping-math, which _build.py sets: it changes no value, only whether
// the compiler may assume floating-point exceptions do not trap (they never do in PyTorch processes).
//
// Every integer of magnitude < 2**53 is a double. With |state| < 2**39 (kExactBound) and a retention
// 4096 - d with |d| <= 4096 (so 0 <= retention <= 8192 = 2**13), state * retention is an integer below 2**52:
// exact; times 2**-12 is exact (a power of two, far from underflow); std::trunc of it is exactly the
// reference's rtz(state * retention, 12) (integer division truncating toward zero). Adding an input
// x_int = trunc(x W) stays exact while the sum is below 2**53, and if |x_int| >= 2**42 the sum's magnitude
// is >= 2**41 > kExactBound, which the caller detects. int64 -> float rounding and double -> float rounding
// of the same integer give the same float, so unscaled outputs are bit-identical too.
//
// Callers therefore run a block in double and check, per step, that every state stays below kExactBound
// (NaN and inf fail that check too); if one does not (or an initial state or decay is out of range), they
// rerun the whole block with the int64 path, which implements the wrap-around and NaN poisoning rules.
#pragma once

#include <cmath>
#include <cstdint>

#include "fixed_point.h"
#include "isa.h"

namespace slayer_cpu {

constexpr double kExactBound = 549755813888.0;  // 2**39
constexpr double kExactThreshold = 9007199254740992.0;  // 2**53: integer thresholds up to this compare exactly

// rtz(state * retention, 12) for exact-range integer values held in doubles (may be -0.0).
SLAYER_INLINE double exact_decay(double state, double retention) {
  return std::trunc(state * retention * 0x1p-12);
}

// trunc(scaled) as a double integer, never -0.0 (+ 0.0 turns -0.0 into +0.0 and keeps every other value;
// compilers may not drop it without -fno-signed-zeros). A sum with one term that is not -0.0 is not -0.0
// either, so states and the floats unscaled from them are +0.0 where the int64 path has 0, bit for bit.
template <typename S>
SLAYER_INLINE double exact_integer(S scaled) {
  return std::trunc(static_cast<double>(scaled)) + 0.0;
}

// Initial integer states trunc(state W) and retentions 4096 - trunc(decay) of neurons m0 .. m0+count-1 of
// sample n; false if any of them is outside the exact range (the int64 path must run).
template <typename S>
SLAYER_INLINE bool exact_start(const Plane<S>& decay, const Plane<S>& state, int64_t n, int64_t m0, int64_t count,
                               S s_scale, double* retention, double* value) {
  bool ok = true;
  for (int64_t j = 0; j < count; ++j) {
    const double d = static_cast<double>(decay(0, m0 + j));
    const S scaled = state(n, m0 + j) * s_scale;
    ok = ok && std::abs(d) <= double(kDecayOne) && std::abs(scaled) < static_cast<S>(kExactBound);
    retention[j] = double(kDecayOne) - std::trunc(d);
    value[j] = exact_integer(scaled);
  }
  return ok;
}

// s_scale is a power of two (x / W == x * (1 / W) exactly), as the exact paths assume.
inline bool power_of_two(int64_t s_scale) { return s_scale > 0 && (s_scale & (s_scale - 1)) == 0; }

}  // namespace slayer_cpu
