// Fused CUBA neuron: in one pass per time step and neuron, the current integrator, the voltage integrator
// with reset (integer state >= threshold) and the real spike (float voltage >= spike threshold), exactly as
// the composition leaky_integrator -> leaky_integrator -> real_spike computes them. Only the voltage and the
// reset events are stored: the backward recomputes the current from the input (same integer recursion) into
// a per-block scratch buffer, then runs the spike surrogate and both adjoint scans in one reverse pass.
//
// Each block first runs the exact double-precision integer arithmetic of exact_double.h, compiled for AVX2 and
// AVX-512 and chosen at run time (isa.h); a block whose states leave the exact range (or that holds NaN/inf)
// is rerun with the int64 path, which is also the only path on CPUs without AVX2.
#include <vector>

#include "exact_double.h"
#include "isa.h"
#include "kernels.h"
#include "surrogate.h"
#include "wide_blocks.h"

namespace slayer_cpu {
namespace {

// The current integrator of one block: integer states, retention and poisoning per neuron.
struct CurrentBlock {
  int64_t c[kWide], kc[kWide];
  bool bad[kWide];

  template <typename scalar_t>
  CurrentBlock(int64_t n, int64_t m0, int64_t count, const Plane<scalar_t>& decay, const Plane<scalar_t>& state,
               scalar_t W) {
    for (int64_t j = 0; j < count; ++j) {
      bool d_ok, s_ok;
      kc[j] = kDecayOne - decay_to_int(decay(0, m0 + j), d_ok);
      c[j] = scale_to_int(state(n, m0 + j), W, s_ok);
      bad[j] = !(d_ok && s_ok);
    }
  }

  // One step of neuron j on input value x; returns the float current (NaN once poisoned).
  template <typename scalar_t>
  scalar_t step(int64_t j, scalar_t x, scalar_t W, const Unscale<scalar_t>& unscale) {
    bool ok;
    const int64_t input = scale_to_int(x, W, ok);
    bad[j] = bad[j] || !ok;
    c[j] = wrap_add(decay_step(c[j], kc[j]), input);
    return unscale(c[j], bad[j]);
  }
};

template <typename scalar_t, bool kUnit>
SLAYER_FALLBACK void forward_block_int(const CubaForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  const scalar_t W = a.s_scale;
  CurrentBlock current(n, m0, count, a.current_decay, a.current_state, W);
  int64_t v[kWide], kv[kWide];
  bool bad_v[kWide];
  for (int64_t j = 0; j < count; ++j) {
    bool d_ok, s_ok;
    kv[j] = kDecayOne - decay_to_int(a.voltage_decay(0, m0 + j), d_ok);
    v[j] = scale_to_int(a.voltage_state(n, m0 + j), W, s_ok);
    bad_v[j] = !(d_ok && s_ok);
  }
  const int64_t xm = kUnit ? 1 : a.x.sm, sm = kUnit ? 1 : a.spikes.sm, vm = kUnit ? 1 : a.voltage.sm,
                em = kUnit ? 1 : a.events.sm;
  const scalar_t level = a.spike_threshold;
  const Unscale<scalar_t> unscale(static_cast<int64_t>(a.s_scale));
  const int64_t threshold = a.threshold;
  const bool graded = a.graded;
  for (int64_t t = 0; t < a.T; ++t) {
    const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
    scalar_t* st = a.spikes.row(n, m0) + t * a.spikes.st;
    scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    bool* et = a.events.row(n, m0) + t * a.events.st;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t c = current.step(j, xt[j * xm], W, unscale);
      // the voltage integrates the float current, re-scaled (as the composition's second integrator does)
      bool c_ok;
      const int64_t drive = scale_to_int(c, W, c_ok);
      bad_v[j] = bad_v[j] || !c_ok;
      const int64_t y = wrap_add(decay_step(v[j], kv[j]), drive);
      const scalar_t voltage = unscale(y, bad_v[j]);
      vt[j * vm] = voltage;
      st[j * sm] = spike_value(voltage, level, graded);
      const bool fired = y >= threshold;
      et[j * em] = fired;
      v[j] = fired ? 0 : y;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_current(n, m0 + j) = to_float(current.c[j], W, current.bad[j]);
    a.next_voltage(n, m0 + j) = to_float(v[j], W, bad_v[j]);
  }
}

// The forward in exact double arithmetic (exact_double.h); false, with the outputs partly written, as soon as
// a state leaves the exact range (the caller then reruns the block with forward_block_int).
template <typename scalar_t, bool kUnit>
SLAYER_INLINE bool forward_block_exact(const CubaForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  const scalar_t W = a.s_scale, inverse = scalar_t(1) / W;
  alignas(64) double c[kWide], v[kWide], kc[kWide], kv[kWide];
  if (!exact_start(a.current_decay, a.current_state, n, m0, count, W, kc, c) ||
      !exact_start(a.voltage_decay, a.voltage_state, n, m0, count, W, kv, v)) {
    return false;
  }
  const int64_t xm = kUnit ? 1 : a.x.sm, sm = kUnit ? 1 : a.spikes.sm, vm = kUnit ? 1 : a.voltage.sm,
                em = kUnit ? 1 : a.events.sm;
  const scalar_t level = a.spike_threshold;
  const double threshold = static_cast<double>(a.threshold);
  // spike_value without a branch (a loop-invariant select stops the vectoriser): voltages are finite here,
  // so voltage * keep + (1 - keep) is the voltage (graded) or 1 (binary)
  const scalar_t keep = a.graded ? scalar_t(1) : scalar_t(0);
  for (int64_t t = 0; t < a.T; ++t) {
    const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
    scalar_t* st = a.spikes.row(n, m0) + t * a.spikes.st;
    scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    bool* et = a.events.row(n, m0) + t * a.events.st;
    int out_of_range = 0;
    for (int64_t j = 0; j < count; ++j) {
      const double current = exact_decay(c[j], kc[j]) + exact_integer(xt[j * xm] * W);
      c[j] = current;
      // the voltage integrates the float current, re-scaled (as the composition's second integrator does)
      const scalar_t current_float = static_cast<scalar_t>(current) * inverse;
      const double y = exact_decay(v[j], kv[j]) + exact_integer(current_float * W);
      out_of_range |= !(std::abs(current) < kExactBound) | !(std::abs(y) < kExactBound);
      const scalar_t voltage = static_cast<scalar_t>(y) * inverse;
      vt[j * vm] = voltage;
      st[j * sm] = (voltage >= level ? scalar_t(1) : scalar_t(0)) * (voltage * keep + (scalar_t(1) - keep));
      const bool fired = y >= threshold;
      et[j * em] = fired;
      v[j] = fired ? 0.0 : y;
    }
    if (out_of_range) return false;
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_current(n, m0 + j) = static_cast<scalar_t>(c[j]) / W;
    a.next_voltage(n, m0 + j) = static_cast<scalar_t>(v[j]) / W;
  }
  return true;
}

template <typename scalar_t, bool kUnit, bool kExact>
SLAYER_INLINE void forward_block(const CubaForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  if (kExact && forward_block_exact<scalar_t, kUnit>(a, n, m0, count)) return;
  forward_block_int<scalar_t, kUnit>(a, n, m0, count);
}

// The currents c[t] of the block (float, as the forward produced them) into ct + t * kWide; exact double
// arithmetic first (kExact), the int64 recursion if that leaves the exact range.
template <typename scalar_t, bool kUnit, bool kExact>
SLAYER_INLINE void recompute_currents(const CubaBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count,
                                      scalar_t* currents) {
  const scalar_t W = a.s_scale;
  const int64_t xm = kUnit ? 1 : a.x.sm;
  if (kExact) {
    const scalar_t inverse = scalar_t(1) / W;
    alignas(64) double c[kWide], kc[kWide];
    bool exact = exact_start(a.current_decay, a.current_state, n, m0, count, W, kc, c);
    for (int64_t t = 0; exact && t < a.T; ++t) {
      const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
      scalar_t* ct = currents + t * kWide;
      int out_of_range = 0;
      for (int64_t j = 0; j < count; ++j) {
        const double current = exact_decay(c[j], kc[j]) + exact_integer(xt[j * xm] * W);
        c[j] = current;
        out_of_range |= !(std::abs(current) < kExactBound);
        ct[j] = static_cast<scalar_t>(current) * inverse;
      }
      exact = !out_of_range;
    }
    if (exact) return;
  }
  CurrentBlock current(n, m0, count, a.current_decay, a.current_state, W);
  const Unscale<scalar_t> unscale(static_cast<int64_t>(a.s_scale));
  for (int64_t t = 0; t < a.T; ++t) {
    const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
    scalar_t* ct = currents + t * kWide;
    for (int64_t j = 0; j < count; ++j) ct[j] = current.step(j, xt[j * xm], W, unscale);
  }
}

// slope[j] * g[j] (kAdd: slope[j] + g[j]) for a gradient row of neuron stride 0 (the expanded gradient of a
// sum: one value per step), 1 or any: the first two as contiguous loops that vectorise.
template <bool kAdd, typename scalar_t>
SLAYER_INLINE void combine_gradient(scalar_t* slope, const scalar_t* g, int64_t stride, int64_t count) {
  const auto combine = [](scalar_t s, scalar_t x) { return kAdd ? s + x : x * s; };
  if (stride == 0) {
    const scalar_t g0 = g[0];
    for (int64_t j = 0; j < count; ++j) slope[j] = combine(slope[j], g0);
  } else if (stride == 1) {
    for (int64_t j = 0; j < count; ++j) slope[j] = combine(slope[j], g[j]);
  } else {
    for (int64_t j = 0; j < count; ++j) slope[j] = combine(slope[j], g[j * stride]);
  }
}

// Software prefetch of the rows that step t + 1 of the reverse scan touches: the voltage and events of bin t
// (the values entering it) and its grad_input row. The scan walks time backwards one row per series per step,
// and waiting for those lines stalled the adjoint loop (perf: ~1/3 of its samples on the events load).
template <typename scalar_t>
SLAYER_INLINE void prefetch_step(const CubaBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count, int64_t t) {
  const char* voltage = reinterpret_cast<const char*>(a.voltage.row(n, m0) + t * a.voltage.st);
  const char* events = reinterpret_cast<const char*>(a.events.row(n, m0) + t * a.events.st);
  const char* grad = reinterpret_cast<const char*>(a.grad_input.row(n, m0) + (t + 1) * a.grad_input.st);
  const int64_t bytes = count * static_cast<int64_t>(sizeof(scalar_t));
  for (int64_t offset = 0; offset < bytes; offset += 64) {
    __builtin_prefetch(voltage + offset, 0, 3);
    __builtin_prefetch(grad + offset, 1, 3);
  }
  for (int64_t offset = 0; offset < count; offset += 64) __builtin_prefetch(events + offset, 0, 3);
}

template <typename scalar_t, bool kUnit, bool kExact>
SLAYER_INLINE void backward_block(const CubaBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count,
                                  scalar_t* currents) {
  const int64_t T = a.T;
  const int64_t vm = kUnit ? 1 : a.voltage.sm, em = kUnit ? 1 : a.events.sm, im = kUnit ? 1 : a.grad_input.sm;
  // the currents c[t], block-major so each step is contiguous
  recompute_currents<scalar_t, kUnit, kExact>(a, n, m0, count, currents);
  scalar_t kc[kWide], kv[kWide], adj_c[kWide], adj_v[kWide], acc_c[kWide], acc_v[kWide], slope[kWide];
  for (int64_t j = 0; j < count; ++j) {
    kc[j] = scalar_t(1) - a.current_decay(0, m0 + j) / scalar_t(kDecayOne);
    kv[j] = scalar_t(1) - a.voltage_decay(0, m0 + j) / scalar_t(kDecayOne);
    adj_c[j] = a.grad_next_current(n, m0 + j);
    adj_v[j] = a.grad_next_voltage(n, m0 + j);
    acc_c[j] = 0;
    acc_v[j] = 0;
  }
  const bool has_gv = a.grad_voltage.data != nullptr;
  const scalar_t level = a.spike_threshold;
  const Surrogate<scalar_t> surrogate(a.tau_rho, a.scale_rho);
  const bool graded = a.graded;
  for (int64_t t = T - 1; t >= 0; --t) {
    const scalar_t* gs = a.grad_spikes.row(n, m0) + t * a.grad_spikes.st;
    const scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    scalar_t* gx = a.grad_input.row(n, m0) + t * a.grad_input.st;
    if (kUnit && t >= 2) prefetch_step(a, n, m0, count, t - 2);
    // the surrogate slope of the spike at t (a separate loop without branches: it vectorises)
    if (graded) {
      for (int64_t j = 0; j < count; ++j) slope[j] = surrogate.graded_slope(vt[j * vm] - level);
    } else {
      for (int64_t j = 0; j < count; ++j) slope[j] = surrogate.bump(vt[j * vm] - level);
    }
    combine_gradient<false>(slope, gs, a.grad_spikes.sm, count);
    if (has_gv) combine_gradient<true>(slope, a.grad_voltage.row(n, m0) + t * a.grad_voltage.st, a.grad_voltage.sm, count);
    if (t > 0) {
      // values entering step t: the post-reset voltage and the current of step t-1
      const scalar_t* vb = vt - a.voltage.st;
      // read as bytes (0/1): GCC does not vectorise a select on a loaded bool
      const uint8_t* eb = reinterpret_cast<const uint8_t*>(a.events.row(n, m0) + (t - 1) * a.events.st);
      const scalar_t* cb = currents + (t - 1) * kWide;
      for (int64_t j = 0; j < count; ++j) {
        const scalar_t previous = vb[j * vm];  // loaded unconditionally: a conditional load does not vectorise
        const scalar_t lv = slope[j] + adj_v[j];
        acc_v[j] += lv * (eb[j * em] ? scalar_t(0) : previous);
        adj_v[j] = kv[j] * lv;
        const scalar_t lc = lv + adj_c[j];
        gx[j * im] = lc;
        acc_c[j] += lc * cb[j];
        adj_c[j] = kc[j] * lc;
      }
    } else {
      for (int64_t j = 0; j < count; ++j) {
        const scalar_t lv = slope[j] + adj_v[j];
        acc_v[j] += lv * a.voltage_state(n, m0 + j);
        adj_v[j] = kv[j] * lv;
        const scalar_t lc = lv + adj_c[j];
        gx[j * im] = lc;
        acc_c[j] += lc * a.current_state(n, m0 + j);
        adj_c[j] = kc[j] * lc;
      }
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.grad_current_decay(n, m0 + j) = -acc_c[j] / scalar_t(kDecayOne);
    a.grad_voltage_decay(n, m0 + j) = -acc_v[j] / scalar_t(kDecayOne);
    a.grad_current_state(n, m0 + j) = adj_c[j];
    a.grad_voltage_state(n, m0 + j) = adj_v[j];
  }
}

// One instantiation per ISA (isa.h): the target attribute compiles everything inlined into it for that ISA.
template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void forward_avx512(const CubaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void forward_avx2(const CubaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kUnit>
void forward_baseline(const CubaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, false>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void backward_avx512(const CubaBackward<S>& a, int64_t n, int64_t m0, int64_t count,
                                          S* currents) {
  backward_block<S, kUnit, true>(a, n, m0, count, currents);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void backward_avx2(const CubaBackward<S>& a, int64_t n, int64_t m0, int64_t count, S* currents) {
  backward_block<S, kUnit, true>(a, n, m0, count, currents);
}
template <typename S, bool kUnit>
void backward_baseline(const CubaBackward<S>& a, int64_t n, int64_t m0, int64_t count, S* currents) {
  backward_block<S, kUnit, false>(a, n, m0, count, currents);
}

// The block function for this call: the widest ISA available, the exact double path only where it applies.
template <typename S, bool kUnit>
auto forward_variant(Isa isa) {
  return isa == Isa::kAvx512 ? &forward_avx512<S, kUnit>
         : isa == Isa::kAvx2 ? &forward_avx2<S, kUnit>
                             : &forward_baseline<S, kUnit>;
}
template <typename S, bool kUnit>
auto backward_variant(Isa isa) {
  return isa == Isa::kAvx512 ? &backward_avx512<S, kUnit>
         : isa == Isa::kAvx2 ? &backward_avx2<S, kUnit>
                             : &backward_baseline<S, kUnit>;
}

}  // namespace

template <typename S>
void run(const CubaForward<S>& a) {
  const bool unit = a.x.sm == 1 && a.spikes.sm == 1 && a.voltage.sm == 1 && a.events.sm == 1;
  const bool exact = power_of_two(static_cast<int64_t>(a.s_scale)) &&
                     std::abs(static_cast<double>(a.threshold)) <= kExactThreshold;
  const Isa isa = exact ? selected_isa() : Isa::kBaseline;
  const auto block = unit ? forward_variant<S, true>(isa) : forward_variant<S, false>(isa);
  for_each_wide_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
}

template <typename S>
void run(const CubaBackward<S>& a) {
  // (the incoming gradients may have any neuron stride: combine_gradient handles them)
  const bool unit = a.x.sm == 1 && a.voltage.sm == 1 && a.events.sm == 1 && a.grad_input.sm == 1;
  const Isa isa = power_of_two(static_cast<int64_t>(a.s_scale)) ? selected_isa() : Isa::kBaseline;
  const auto block = unit ? backward_variant<S, true>(isa) : backward_variant<S, false>(isa);
  for_each_wide_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    thread_local std::vector<S> currents;  // scratch of T x kWide currents, reused by the thread's blocks
    currents.resize(static_cast<size_t>(std::max<int64_t>(a.T, 1) * kWide));
    block(a, n, m0, count, currents.data());
  });
}

template void run<float>(const CubaForward<float>&);
template void run<double>(const CubaForward<double>&);
template void run<float>(const CubaBackward<float>&);
template void run<double>(const CubaBackward<double>&);

}  // namespace slayer_cpu
