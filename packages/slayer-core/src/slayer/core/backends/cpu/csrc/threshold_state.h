// The adaptive threshold θ and refractory r of a block of neurons, stepped in integers (shared by the
// adaptive threshold, adaptive phase threshold and adaptive resonator kernels):
//   r[t] = rtz(r'[t-1] * (4096 - ref_decay), 12),  θ[t] = rtz((θ'[t-1] - θ0) * (4096 - th_decay), 12) + θ0,
//   after a spike r' = r + 2θ, θ' = θ + θ_step.
// An invalid driving value poisons the neuron's θ/r from the NEXT bin on (they are computed before it).
#pragma once

#include "fixed_point.h"

namespace slayer_cpu {

template <typename scalar_t>
struct ThresholdBlock {
  int64_t r[kBlock], th[kBlock], ref_retention[kBlock], th_retention[kBlock];
  bool poisoned[kBlock];  // poisoned for the current bin
  bool pending[kBlock];   // an invalid value seen in this bin: poisons from the next one
  int64_t th_step, th0;

  ThresholdBlock(int64_t n, int64_t m0, int64_t count, const Plane<scalar_t>& ref_decay,
                 const Plane<scalar_t>& th_decay, const Plane<scalar_t>& ref_state, const Plane<scalar_t>& th_state,
                 int64_t th_step_, int64_t th0_, scalar_t s_scale)
      : th_step(th_step_), th0(th0_) {
    for (int64_t j = 0; j < count; ++j) {
      bool a, b, c, d;
      ref_retention[j] = kDecayOne - decay_to_int(ref_decay(0, m0 + j), a);
      th_retention[j] = kDecayOne - decay_to_int(th_decay(0, m0 + j), b);
      r[j] = scale_to_int(ref_state(n, m0 + j), s_scale, c);
      th[j] = scale_to_int(th_state(n, m0 + j), s_scale, d);
      poisoned[j] = !(a && b && c && d);
      pending[j] = false;
    }
  }

  // Decay of neuron j entering a new bin.
  void decay(int64_t j) {
    poisoned[j] = poisoned[j] || pending[j];
    r[j] = decay_step(r[j], ref_retention[j]);
    th[j] = wrap_add(decay_step(wrap_sub(th[j], th0), th_retention[j]), th0);
  }

  // The spike condition's right-hand side θ[t] + r[t].
  int64_t level(int64_t j) const { return wrap_add(th[j], r[j]); }

  void jump(int64_t j, bool fired) {
    const int64_t r_after = wrap_add(r[j], wrap_mul(2, th[j]));
    const int64_t th_after = wrap_add(th[j], th_step);
    r[j] = fired ? r_after : r[j];
    th[j] = fired ? th_after : th[j];
  }

  void write(int64_t j, scalar_t* th_out, scalar_t* r_out, scalar_t s_scale) const {
    *th_out = to_float(th[j], s_scale, poisoned[j]);
    *r_out = to_float(r[j], s_scale, poisoned[j]);
  }

  void write_next(int64_t n, int64_t m0, int64_t count, const Plane<scalar_t>& next_r,
                  const Plane<scalar_t>& next_th, scalar_t s_scale) const {
    for (int64_t j = 0; j < count; ++j) {
      const bool bad = poisoned[j] || pending[j];
      next_r(n, m0 + j) = to_float(r[j], s_scale, bad);
      next_th(n, m0 + j) = to_float(th[j], s_scale, bad);
    }
  }
};

}  // namespace slayer_cpu
