// Fused ALIF neuron: in one pass per time step and neuron, the current and voltage integrators (no reset),
// the adaptive threshold θ and refractory r driven by the float voltage (integer spike decision, jumps),
// and the real spike of the float voltage against θ + r, exactly as the composition leaky_integrator ->
// leaky_integrator -> adaptive_threshold -> real_spike computes them. Backward: the spike's surrogate
// (its θ-gradient -ρ flows into the θ/r adjoint), the θ/r adjoint and the two integrator adjoints.
//
// The forward first runs the exact double-precision integer arithmetic of exact_double.h (AVX2/AVX-512
// variants chosen at run time, isa.h), as the CUBA kernel does; a block whose states leave the exact range (or
// that holds NaN/inf) is rerun with the int64 path, which implements wrap-around and poisoning.
#include "exact_double.h"
#include "isa.h"
#include "kernels.h"
#include "surrogate.h"
#include "threshold_state.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
SLAYER_INLINE void forward_block_int(const AlifForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  const scalar_t W = a.s_scale;
  ThresholdBlock<scalar_t> state(n, m0, count, a.ref_decay, a.th_decay, a.ref_state, a.th_state, a.th_step, a.th0,
                                 W);
  int64_t c[kBlock], v[kBlock], kc[kBlock], kv[kBlock];
  bool bad_c[kBlock], bad_v[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    bool cd_ok, vd_ok, cs_ok, vs_ok;
    kc[j] = kDecayOne - decay_to_int(a.current_decay(0, m0 + j), cd_ok);
    kv[j] = kDecayOne - decay_to_int(a.voltage_decay(0, m0 + j), vd_ok);
    c[j] = scale_to_int(a.current_state(n, m0 + j), W, cs_ok);
    v[j] = scale_to_int(a.voltage_state(n, m0 + j), W, vs_ok);
    bad_c[j] = !(cd_ok && cs_ok);
    bad_v[j] = !(vd_ok && vs_ok);
  }
  const int64_t xm = kUnit ? 1 : a.x.sm, sm = kUnit ? 1 : a.spikes.sm, cm = kUnit ? 1 : a.current.sm,
                vm = kUnit ? 1 : a.voltage.sm, thm = kUnit ? 1 : a.th_out.sm, rm = kUnit ? 1 : a.r_out.sm,
                em = kUnit ? 1 : a.events.sm;
  for (int64_t t = 0; t < a.T; ++t) {
    const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
    scalar_t* st = a.spikes.row(n, m0) + t * a.spikes.st;
    scalar_t* ct = a.current.row(n, m0) + t * a.current.st;
    scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    scalar_t* tht = a.th_out.row(n, m0) + t * a.th_out.st;
    scalar_t* rt = a.r_out.row(n, m0) + t * a.r_out.st;
    bool* et = a.events.row(n, m0) + t * a.events.st;
    for (int64_t j = 0; j < count; ++j) {
      bool x_ok, c_ok, v_ok;
      const int64_t input = scale_to_int(xt[j * xm], W, x_ok);
      bad_c[j] = bad_c[j] || !x_ok;
      c[j] = wrap_add(decay_step(c[j], kc[j]), input);
      const scalar_t current = to_float(c[j], W, bad_c[j]);
      ct[j * cm] = current;
      const int64_t drive = scale_to_int(current, W, c_ok);
      bad_v[j] = bad_v[j] || !c_ok;
      v[j] = wrap_add(decay_step(v[j], kv[j]), drive);
      const scalar_t voltage = to_float(v[j], W, bad_v[j]);
      vt[j * vm] = voltage;
      // the adaptive threshold sees the float voltage re-scaled, like the composition's third op
      const int64_t v_int = scale_to_int(voltage, W, v_ok);
      state.decay(j);
      scalar_t* th_slot = tht + j * thm;
      scalar_t* r_slot = rt + j * rm;
      state.write(j, th_slot, r_slot, W);
      const bool fired = v_int >= state.level(j);
      et[j * em] = fired;
      state.jump(j, fired);
      state.pending[j] = state.pending[j] || !v_ok;
      st[j * sm] = spike_value(voltage, *th_slot + *r_slot, a.graded);
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_current(n, m0 + j) = to_float(c[j], W, bad_c[j]);
    a.next_voltage(n, m0 + j) = to_float(v[j], W, bad_v[j]);
  }
  state.write_next(n, m0, count, a.next_r, a.next_th, W);
}

// The four per-neuron double arrays of a block: states (current, voltage, refractory, threshold) or retentions.
struct States {
  double* __restrict c;
  double* __restrict v;
  double* __restrict r;
  double* __restrict th;
};

// One time step of forward_block_exact for the block's neurons; nonzero if a state left the exact range. A
// function of its own so that __restrict on its pointer parameters tells GCC the seven series and the state
// arrays do not overlap (the op allocates every output separately): the run-time alias checks it would need
// otherwise exceed its limit and the loop would stay scalar.
template <typename scalar_t, bool kUnit>
SLAYER_INLINE int exact_step(int64_t count, const scalar_t* __restrict xt, int64_t xm, scalar_t* __restrict st,
                             int64_t sm, scalar_t* __restrict ct, int64_t cm, scalar_t* __restrict vt, int64_t vm,
                             scalar_t* __restrict tht, int64_t thm, scalar_t* __restrict rt, int64_t rm,
                             bool* __restrict et, int64_t em, States state, States retention, scalar_t W,
                             scalar_t inverse, double th0, double step, scalar_t keep) {
  int out_of_range = 0;
  for (int64_t j = 0; j < count; ++j) {
    const double current = exact_decay(state.c[j], retention.c[j]) + exact_integer(xt[j * xm] * W);
    state.c[j] = current;
    const scalar_t current_float = static_cast<scalar_t>(current) * inverse;
    ct[j * cm] = current_float;
    const double y = exact_decay(state.v[j], retention.v[j]) + exact_integer(current_float * W);
    state.v[j] = y;
    const scalar_t voltage = static_cast<scalar_t>(y) * inverse;
    vt[j * vm] = voltage;
    // the threshold sees the float voltage re-scaled, like the composition's third op
    const double v_int = exact_integer(voltage * W);
    const double r_now = exact_decay(state.r[j], retention.r[j]);
    const double th_now = exact_decay(state.th[j] - th0, retention.th[j]) + th0;
    const scalar_t th_float = static_cast<scalar_t>(th_now) * inverse, r_float = static_cast<scalar_t>(r_now) * inverse;
    tht[j * thm] = th_float;
    rt[j * rm] = r_float;
    const bool fired = v_int >= th_now + r_now;
    et[j * em] = fired;
    const double r_next = fired ? r_now + 2.0 * th_now : r_now, th_next = fired ? th_now + step : th_now;
    state.r[j] = r_next;
    state.th[j] = th_next;
    out_of_range |= !(std::abs(current) < kExactBound) | !(std::abs(y) < kExactBound) |
                    !(std::abs(r_next) < kExactBound) | !(std::abs(th_next) < kExactBound);
    // spike_value without a branch (as in cuba.cpp): voltage * keep + (1 - keep) is v (graded) or 1 (binary)
    const scalar_t level = th_float + r_float;
    st[j * sm] = (voltage >= level ? scalar_t(1) : scalar_t(0)) * (voltage * keep + (scalar_t(1) - keep));
  }
  return out_of_range;
}

// The forward in exact double arithmetic: every state (current, voltage, refractory r, threshold θ) is an
// integer below kExactBound held in a double, so each step is the int64 path's arithmetic exactly (see
// exact_double.h; θ - θ0 stays below 2**40, whose product with a retention <= 2**13 is still exact). False, with
// the outputs partly written, as soon as a state leaves the range (the caller reruns forward_block_int).
template <typename scalar_t, bool kUnit>
SLAYER_INLINE bool forward_block_exact(const AlifForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  const scalar_t W = a.s_scale, inverse = scalar_t(1) / W;
  alignas(64) double c[kBlock], v[kBlock], r[kBlock], th[kBlock], kc[kBlock], kv[kBlock], kr[kBlock], kt[kBlock];
  const double th0 = static_cast<double>(a.th0), step = static_cast<double>(a.th_step);
  if (!(std::abs(th0) < kExactBound && std::abs(step) < kExactBound) ||
      !exact_start(a.current_decay, a.current_state, n, m0, count, W, kc, c) ||
      !exact_start(a.voltage_decay, a.voltage_state, n, m0, count, W, kv, v) ||
      !exact_start(a.ref_decay, a.ref_state, n, m0, count, W, kr, r) ||
      !exact_start(a.th_decay, a.th_state, n, m0, count, W, kt, th)) {
    return false;
  }
  const int64_t xm = kUnit ? 1 : a.x.sm, sm = kUnit ? 1 : a.spikes.sm, cm = kUnit ? 1 : a.current.sm,
                vm = kUnit ? 1 : a.voltage.sm, thm = kUnit ? 1 : a.th_out.sm, rm = kUnit ? 1 : a.r_out.sm,
                em = kUnit ? 1 : a.events.sm;
  const scalar_t keep = a.graded ? scalar_t(1) : scalar_t(0);
  for (int64_t t = 0; t < a.T; ++t) {
    const int out_of_range = exact_step<scalar_t, kUnit>(
        count, a.x.row(n, m0) + t * a.x.st, xm, a.spikes.row(n, m0) + t * a.spikes.st, sm,
        a.current.row(n, m0) + t * a.current.st, cm, a.voltage.row(n, m0) + t * a.voltage.st, vm,
        a.th_out.row(n, m0) + t * a.th_out.st, thm, a.r_out.row(n, m0) + t * a.r_out.st, rm,
        a.events.row(n, m0) + t * a.events.st, em, States{c, v, r, th}, States{kc, kv, kr, kt}, W, inverse, th0,
        step, keep);
    if (out_of_range) return false;
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_current(n, m0 + j) = static_cast<scalar_t>(c[j]) * inverse;
    a.next_voltage(n, m0 + j) = static_cast<scalar_t>(v[j]) * inverse;
    a.next_r(n, m0 + j) = static_cast<scalar_t>(r[j]) * inverse;
    a.next_th(n, m0 + j) = static_cast<scalar_t>(th[j]) * inverse;
  }
  return true;
}

template <typename scalar_t, bool kUnit, bool kExact>
SLAYER_INLINE void forward_block(const AlifForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  if (kExact && forward_block_exact<scalar_t, kUnit>(a, n, m0, count)) return;
  forward_block_int<scalar_t, kUnit>(a, n, m0, count);
}

// One instantiation per ISA (isa.h), as in cuba.cpp.
template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void forward_avx512(const AlifForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void forward_avx2(const AlifForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kUnit>
void forward_baseline(const AlifForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, false>(a, n, m0, count);
}
template <typename S, bool kUnit>
auto forward_variant(Isa isa) {
  return isa == Isa::kAvx512 ? &forward_avx512<S, kUnit>
         : isa == Isa::kAvx2 ? &forward_avx2<S, kUnit>
                             : &forward_baseline<S, kUnit>;
}

template <typename scalar_t, bool kUnit>
void backward_block(const AlifBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  scalar_t kc[kBlock], kv[kBlock], kr[kBlock], kt[kBlock];
  scalar_t adj_c[kBlock], adj_v[kBlock], adj_r[kBlock], adj_phi[kBlock];
  scalar_t acc_c[kBlock], acc_v[kBlock], acc_r[kBlock], acc_th[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    kc[j] = scalar_t(1) - a.current_decay(0, m0 + j) / scalar_t(kDecayOne);
    kv[j] = scalar_t(1) - a.voltage_decay(0, m0 + j) / scalar_t(kDecayOne);
    kr[j] = scalar_t(1) - a.ref_decay(0, m0 + j) / scalar_t(kDecayOne);
    kt[j] = scalar_t(1) - a.th_decay(0, m0 + j) / scalar_t(kDecayOne);
    adj_c[j] = a.grad_next_current(n, m0 + j);
    adj_v[j] = a.grad_next_voltage(n, m0 + j);
    adj_r[j] = a.grad_next_ref(n, m0 + j);
    adj_phi[j] = a.grad_next_th(n, m0 + j);
    acc_c[j] = acc_v[j] = acc_r[j] = acc_th[j] = 0;
  }
  const bool has_gv = a.grad_voltage.data != nullptr;
  const int64_t gm = kUnit ? 1 : a.grad_spikes.sm, gvm = kUnit ? 1 : a.grad_voltage.sm,
                cm = kUnit ? 1 : a.current.sm, vm = kUnit ? 1 : a.voltage.sm, thm = kUnit ? 1 : a.th_out.sm,
                rm = kUnit ? 1 : a.r_out.sm, em = kUnit ? 1 : a.events.sm, im = kUnit ? 1 : a.grad_input.sm;
  const scalar_t base = a.base, step = a.step;
  const Surrogate<scalar_t> surrogate(a.tau_rho, a.scale_rho);
  for (int64_t t = a.T - 1; t >= 0; --t) {
    const scalar_t* gs = a.grad_spikes.row(n, m0) + t * a.grad_spikes.st;
    const scalar_t* gv = has_gv ? a.grad_voltage.row(n, m0) + t * a.grad_voltage.st : nullptr;
    const scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    const scalar_t* tht = a.th_out.row(n, m0) + t * a.th_out.st;
    const scalar_t* rt = a.r_out.row(n, m0) + t * a.r_out.st;
    const bool* et = a.events.row(n, m0) + t * a.events.st;
    scalar_t* gx = a.grad_input.row(n, m0) + t * a.grad_input.st;
    const bool first = t == 0;
    const scalar_t* vb = first ? nullptr : vt - a.voltage.st;
    const scalar_t* cb = first ? nullptr : a.current.row(n, m0) + (t - 1) * a.current.st;
    const scalar_t* thb = first ? nullptr : tht - a.th_out.st;
    const scalar_t* rb = first ? nullptr : rt - a.r_out.st;
    const bool* eb = first ? nullptr : et - a.events.st;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t voltage = vt[j * vm];
      const scalar_t distance = voltage - (tht[j * thm] + rt[j * rm]);
      const scalar_t bump = surrogate.bump(distance);
      const scalar_t slope = surrogate.slope(distance, bump, a.graded);
      const scalar_t g = gs[j * gm];
      // the spike's threshold θ[t] + r[t] receives -ρ (graded: -bump * v), passed to both θ and r
      const scalar_t g_level = g * (a.graded ? -bump * voltage : -bump);
      const scalar_t fired = et[j * em] ? scalar_t(1) : scalar_t(0);
      const scalar_t total_r = g_level + adj_r[j];
      const scalar_t total_phi = g_level + adj_phi[j] + scalar_t(2) * fired * adj_r[j];
      scalar_t r_before, phi_before;  // r'[t-1] and θ'[t-1] - θ0 (after the jumps of bin t-1)
      if (first) {
        r_before = a.ref_state(n, m0 + j);
        phi_before = a.th_state(n, m0 + j) - base;
      } else {
        const scalar_t fired_before = eb[j * em] ? scalar_t(1) : scalar_t(0);
        const scalar_t th = thb[j * thm];
        r_before = rb[j * rm] + scalar_t(2) * fired_before * th;
        phi_before = th - base + step * fired_before;
      }
      acc_r[j] += total_r * r_before;
      acc_th[j] += total_phi * phi_before;
      adj_r[j] = kr[j] * total_r;
      adj_phi[j] = kt[j] * total_phi;
      // voltage and current integrators (no reset)
      scalar_t lv = g * slope;
      if (has_gv) lv = lv + gv[j * gvm];
      lv = lv + adj_v[j];
      acc_v[j] += lv * (first ? a.voltage_state(n, m0 + j) : vb[j * vm]);
      adj_v[j] = kv[j] * lv;
      const scalar_t lc = lv + adj_c[j];
      gx[j * im] = lc;
      acc_c[j] += lc * (first ? a.current_state(n, m0 + j) : cb[j * cm]);
      adj_c[j] = kc[j] * lc;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.grad_current_decay(n, m0 + j) = -acc_c[j] / scalar_t(kDecayOne);
    a.grad_voltage_decay(n, m0 + j) = -acc_v[j] / scalar_t(kDecayOne);
    a.grad_ref_decay(n, m0 + j) = -acc_r[j] / scalar_t(kDecayOne);
    a.grad_th_decay(n, m0 + j) = -acc_th[j] / scalar_t(kDecayOne);
    a.grad_current_state(n, m0 + j) = adj_c[j];
    a.grad_voltage_state(n, m0 + j) = adj_v[j];
    a.grad_ref_state(n, m0 + j) = adj_r[j];
    a.grad_th_state(n, m0 + j) = adj_phi[j];
  }
}

}  // namespace

template <typename S>
void run(const AlifForward<S>& a) {
  const bool unit = a.x.sm == 1 && a.spikes.sm == 1 && a.current.sm == 1 && a.voltage.sm == 1 &&
                    a.th_out.sm == 1 && a.r_out.sm == 1 && a.events.sm == 1;
  const Isa isa = power_of_two(static_cast<int64_t>(a.s_scale)) ? selected_isa() : Isa::kBaseline;
  const auto block = unit ? forward_variant<S, true>(isa) : forward_variant<S, false>(isa);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
}

template <typename S>
void run(const AlifBackward<S>& a) {
  const bool unit = a.grad_spikes.sm == 1 && (a.grad_voltage.data == nullptr || a.grad_voltage.sm == 1) &&
                    a.current.sm == 1 && a.voltage.sm == 1 && a.th_out.sm == 1 && a.r_out.sm == 1 &&
                    a.events.sm == 1 && a.grad_input.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      backward_block<S, true>(a, n, m0, count);
    } else {
      backward_block<S, false>(a, n, m0, count);
    }
  });
}

template void run<float>(const AlifForward<float>&);
template void run<double>(const AlifForward<double>&);
template void run<float>(const AlifBackward<float>&);
template void run<double>(const AlifBackward<double>&);

}  // namespace slayer_cpu
