// lava-dl's fixed-point rules (slayer/core/dynamics/_fixed_point.py), shared by every CPU kernel.
//
// Kernel files include only this header and <ATen/Parallel.h> (no tensor headers): each compiles in about
// a second, and the one file that handles tensors (ops.cpp) sets the cold build time.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace slayer_cpu {

constexpr int64_t kDecayOne = 4096;            // decay parameters are in units of 1/4096
constexpr double kIntLimit = 4611686018427387904.0;  // 2**62: larger scaled values are invalid

// trunc(value * s_scale) with the product formed in the value's dtype, as the reference does;
// NaN, inf and |scaled| >= 2**62 give 0 and valid = false (the caller poisons the neuron).
template <typename scalar_t>
inline int64_t scale_to_int(scalar_t value, scalar_t s_scale, bool& valid) {
  const scalar_t scaled = value * s_scale;
  valid = std::abs(scaled) < static_cast<scalar_t>(kIntLimit);
  return valid ? static_cast<int64_t>(scaled) : 0;
}

// A decay already rounded to an integer value: trunc(decay), invalid as above.
template <typename scalar_t>
inline int64_t decay_to_int(scalar_t decay, bool& valid) {
  valid = std::abs(decay) < static_cast<scalar_t>(kIntLimit);
  return valid ? static_cast<int64_t>(decay) : 0;
}

// int64 arithmetic that wraps on overflow like torch's int64 tensors (signed overflow is UB in C++).
inline int64_t wrap_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// product / 4096 truncated toward zero (C++ integer division truncates toward zero).
inline int64_t rtz_shift(int64_t product) { return product / kDecayOne; }

// rtz(state * retention, 12): one fixed-point decay step.
inline int64_t decay_step(int64_t state, int64_t retention) { return rtz_shift(wrap_mul(state, retention)); }

template <typename scalar_t>
inline scalar_t to_float(int64_t value, scalar_t s_scale, bool poisoned) {
  return poisoned ? std::numeric_limits<scalar_t>::quiet_NaN() : static_cast<scalar_t>(value) / s_scale;
}

// A strided (N, M, T) time series: element (n, m, t) lives at data[n*sn + m*sm + t*st].
template <typename T>
struct Series {
  T* data;
  int64_t sn, sm, st;
  T* row(int64_t n, int64_t m) const { return data + n * sn + m * sm; }
};

// A strided (N, M) state, or an (M,) parameter with sn = 0 (strides are 0 where broadcast).
template <typename T>
struct Plane {
  T* data;
  int64_t sn, sm;
  T& operator()(int64_t n, int64_t m) const { return data[n * sn + m * sm]; }
};

// Neurons are processed in blocks of kBlock along M (within one sample n); the loop over time runs
// outside the loop over the block, so neuron-contiguous storage (sm == 1) gives unit-stride inner loops
// and time-contiguous rows still reuse each cache line for consecutive steps.
constexpr int64_t kBlock = 64;

template <typename F>
void for_each_block(int64_t N, int64_t M, int64_t T, const F& body) {
  const int64_t per_sample = (M + kBlock - 1) / kBlock;
  const int64_t work = kBlock * std::max<int64_t>(T, 1);
  const int64_t grain = std::max<int64_t>(1, 32768 / work);
  at::parallel_for(0, N * per_sample, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / per_sample;
      const int64_t m0 = (i % per_sample) * kBlock;
      body(n, m0, std::min(kBlock, M - m0));
    }
  });
}

}  // namespace slayer_cpu
