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
#include "wide_blocks.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
SLAYER_FALLBACK void forward_block_int(const AlifForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
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
template <typename scalar_t>
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
  alignas(64) double c[kWide], v[kWide], r[kWide], th[kWide], kc[kWide], kv[kWide], kr[kWide], kt[kWide];
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
    const int out_of_range = exact_step<scalar_t>(
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

// A block of up to kWide neurons (one sequential stream per series on N T C storage, wide_blocks.h); the int64
// path works on kBlock neurons at a time.
template <typename scalar_t, bool kUnit, bool kExact>
SLAYER_INLINE void forward_block(const AlifForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  if (kExact && forward_block_exact<scalar_t, kUnit>(a, n, m0, count)) return;
  for (int64_t j0 = 0; j0 < count; j0 += kBlock) {
    forward_block_int<scalar_t, kUnit>(a, n, m0 + j0, std::min(kBlock, count - j0));
  }
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
// The wide variants only for unit-stride storage: strided loads do not vectorise, and each variant costs
// compile time on the cold build.
template <typename S>
auto forward_variant(Isa isa, bool unit) {
  return !unit                 ? &forward_baseline<S, false>
         : isa == Isa::kAvx512 ? &forward_avx512<S, true>
         : isa == Isa::kAvx2   ? &forward_avx2<S, true>
                               : &forward_baseline<S, true>;
}

// A row of one series at one step: its first neuron's element and the neuron stride (0: one value for all).
template <typename T>
struct Row {
  T* data;
  int64_t stride;
};

// The block's per-neuron adjoints and gradient accumulators of the reverse scan.
template <typename S>
struct AlifAdjoints {
  S kc[kBlock], kv[kBlock], kr[kBlock], kt[kBlock];  // retentions in float units
  S c[kBlock], v[kBlock], r[kBlock], phi[kBlock];      // adjoints of the states entering the step
  S acc_c[kBlock], acc_v[kBlock], acc_r[kBlock], acc_th[kBlock];  // decay gradients (times -4096)
};

// One step t of the reverse scan for the block's neurons. The rows "before" hold the values entering step t
// (r'[t-1] comes from r[t-1], θ[t-1] and the spike at t-1; at t = 0 the initial states, with no spike).
// Branch-free (graded is a template parameter, events are read as 0/1 bytes, every load is unconditional) and
// restrict-qualified, so with kUnit (every row's neuron stride 1) GCC vectorises it across the neurons.
template <typename S, bool kGraded, bool kUnit>
SLAYER_INLINE void backward_rows(int64_t count, const Surrogate<S>& surrogate, const S* __restrict g_spike,
                                 const S* __restrict g_volt, const S* __restrict voltage_t, const S* __restrict th_t,
                                 const S* __restrict r_t, const uint8_t* __restrict fired_t,
                                 const S* __restrict voltage_b, const S* __restrict current_b,
                                 const S* __restrict th_b, const S* __restrict r_b, const uint8_t* __restrict fired_b,
                                 S* __restrict grad_x, AlifAdjoints<S>* __restrict adj, S base, S step,
                                 const int64_t (&stride)[12]) {
  enum { kGs, kGv, kVt, kTht, kRt, kEt, kVb, kCb, kThb, kRb, kEb, kGx };
  for (int64_t j = 0; j < count; ++j) {
    const S voltage = voltage_t[j * (kUnit ? 1 : stride[kVt])];
    const S distance = voltage - (th_t[j * (kUnit ? 1 : stride[kTht])] + r_t[j * (kUnit ? 1 : stride[kRt])]);
    const S bump = surrogate.bump(distance);
    const S slope = kGraded ? surrogate.graded_slope(distance) : bump;
    const S g = g_spike[j * (kUnit ? 1 : stride[kGs])];
    // the spike's threshold θ[t] + r[t] receives -ρ (graded: -bump * v), passed to both θ and r
    const S g_level = g * (kGraded ? -bump * voltage : -bump);
    const S fired = static_cast<S>(fired_t[j * (kUnit ? 1 : stride[kEt])]);
    const S total_r = g_level + adj->r[j];
    const S total_phi = g_level + adj->phi[j] + S(2) * fired * adj->r[j];
    // r'[t-1] and θ'[t-1] - θ0: after the jumps of the spike at t-1
    const S fired_before = static_cast<S>(fired_b[j * (kUnit ? 1 : stride[kEb])]);
    const S th_before = th_b[j * (kUnit ? 1 : stride[kThb])];
    const S r_before = r_b[j * (kUnit ? 1 : stride[kRb])] + S(2) * fired_before * th_before;
    const S phi_before = th_before - base + step * fired_before;
    adj->acc_r[j] += total_r * r_before;
    adj->acc_th[j] += total_phi * phi_before;
    adj->r[j] = adj->kr[j] * total_r;
    adj->phi[j] = adj->kt[j] * total_phi;
    // voltage and current integrators (no reset)
    const S lv = g * slope + g_volt[j * (kUnit ? 1 : stride[kGv])] + adj->v[j];
    adj->acc_v[j] += lv * voltage_b[j * (kUnit ? 1 : stride[kVb])];
    adj->v[j] = adj->kv[j] * lv;
    const S lc = lv + adj->c[j];
    grad_x[j * (kUnit ? 1 : stride[kGx])] = lc;
    adj->acc_c[j] += lc * current_b[j * (kUnit ? 1 : stride[kCb])];
    adj->c[j] = adj->kc[j] * lc;
  }
}

// backward_rows for one step's rows.
template <typename S, bool kGraded, bool kUnit>
SLAYER_INLINE void backward_step(int64_t count, const Surrogate<S>& surrogate, Row<const S> gs, Row<const S> gv,
                                 Row<const S> vt, Row<const S> tht, Row<const S> rt, Row<const uint8_t> et,
                                 Row<const S> vb, Row<const S> cb, Row<const S> thb, Row<const S> rb,
                                 Row<const uint8_t> eb, Row<S> gx, AlifAdjoints<S>* adj, S base, S step) {
  const int64_t stride[12] = {gs.stride, gv.stride, vt.stride,  tht.stride, rt.stride, et.stride,
                              vb.stride, cb.stride, thb.stride, rb.stride,  eb.stride, gx.stride};
  backward_rows<S, kGraded, kUnit>(count, surrogate, gs.data, gv.data, vt.data, tht.data, rt.data, et.data, vb.data,
                                   cb.data, thb.data, rb.data, eb.data, gx.data, adj, base, step, stride);
}

template <typename S>
Row<const S> row_at(const Series<S>& series, int64_t n, int64_t m0, int64_t t) {
  return {series.row(n, m0) + t * series.st, series.sm};
}
Row<const uint8_t> events_at(const Series<bool>& events, int64_t n, int64_t m0, int64_t t) {
  // read as bytes (0/1): GCC does not vectorise a select on a loaded bool
  return {reinterpret_cast<const uint8_t*>(events.row(n, m0) + t * events.st), events.sm};
}

// kUnit: every series is neuron-contiguous and the incoming gradients have neuron stride 1 or 0 (an expanded
// gradient, copied into a contiguous row per step so the step stays unit-stride).
template <typename scalar_t, bool kGraded, bool kUnit>
SLAYER_INLINE void backward_block(const AlifBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  using S = scalar_t;
  AlifAdjoints<S> adj;
  alignas(64) S spread_gs[kBlock], spread_gv[kBlock] = {};
  // the values entering step 0: the initial states (θ' - θ0 + θ0 = θ), no spike before it
  alignas(64) S c0[kBlock], v0[kBlock], r0[kBlock], th0[kBlock];
  alignas(64) uint8_t no_spike[kBlock] = {};
  for (int64_t j = 0; j < count; ++j) {
    adj.kc[j] = S(1) - a.current_decay(0, m0 + j) / S(kDecayOne);
    adj.kv[j] = S(1) - a.voltage_decay(0, m0 + j) / S(kDecayOne);
    adj.kr[j] = S(1) - a.ref_decay(0, m0 + j) / S(kDecayOne);
    adj.kt[j] = S(1) - a.th_decay(0, m0 + j) / S(kDecayOne);
    adj.c[j] = a.grad_next_current(n, m0 + j);
    adj.v[j] = a.grad_next_voltage(n, m0 + j);
    adj.r[j] = a.grad_next_ref(n, m0 + j);
    adj.phi[j] = a.grad_next_th(n, m0 + j);
    adj.acc_c[j] = adj.acc_v[j] = adj.acc_r[j] = adj.acc_th[j] = 0;
    c0[j] = a.current_state(n, m0 + j);
    v0[j] = a.voltage_state(n, m0 + j);
    r0[j] = a.ref_state(n, m0 + j);
    th0[j] = a.th_state(n, m0 + j);
  }
  const Surrogate<S> surrogate(a.tau_rho, a.scale_rho);
  // a missing voltage gradient reads as zeros
  const auto unit_row = [count](Row<const S> row, S* spread) -> Row<const S> {
    if (!kUnit || row.stride == 1) return row;
    for (int64_t j = 0; j < count; ++j) spread[j] = row.data[0];
    return {spread, 1};
  };
  for (int64_t t = a.T - 1; t >= 0; --t) {
    const Row<const S> gs = unit_row(row_at(a.grad_spikes, n, m0, t), spread_gs);
    const Row<const S> gv = a.grad_voltage.data ? unit_row(row_at(a.grad_voltage, n, m0, t), spread_gv)
                                                : Row<const S>{spread_gv, kUnit ? 1 : 0};
    const Row<S> gx{a.grad_input.row(n, m0) + t * a.grad_input.st, a.grad_input.sm};
    const bool first = t == 0;
    backward_step<S, kGraded, kUnit>(
        count, surrogate, gs, gv, row_at(a.voltage, n, m0, t),
        row_at(a.th_out, n, m0, t), row_at(a.r_out, n, m0, t), events_at(a.events, n, m0, t),
        first ? Row<const S>{v0, 1} : row_at(a.voltage, n, m0, t - 1),
        first ? Row<const S>{c0, 1} : row_at(a.current, n, m0, t - 1),
        first ? Row<const S>{th0, 1} : row_at(a.th_out, n, m0, t - 1),
        first ? Row<const S>{r0, 1} : row_at(a.r_out, n, m0, t - 1),
        first ? Row<const uint8_t>{no_spike, 1} : events_at(a.events, n, m0, t - 1), gx, &adj, a.base, a.step);
  }
  for (int64_t j = 0; j < count; ++j) {
    a.grad_current_decay(n, m0 + j) = -adj.acc_c[j] / S(kDecayOne);
    a.grad_voltage_decay(n, m0 + j) = -adj.acc_v[j] / S(kDecayOne);
    a.grad_ref_decay(n, m0 + j) = -adj.acc_r[j] / S(kDecayOne);
    a.grad_th_decay(n, m0 + j) = -adj.acc_th[j] / S(kDecayOne);
    a.grad_current_state(n, m0 + j) = adj.c[j];
    a.grad_voltage_state(n, m0 + j) = adj.v[j];
    a.grad_ref_state(n, m0 + j) = adj.r[j];
    a.grad_th_state(n, m0 + j) = adj.phi[j];
  }
}

template <typename S, bool kGraded>
SLAYER_TARGET_AVX512 void backward_avx512(const AlifBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kGraded, true>(a, n, m0, count);
}
template <typename S, bool kGraded>
SLAYER_TARGET_AVX2 void backward_avx2(const AlifBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kGraded, true>(a, n, m0, count);
}
template <typename S, bool kGraded, bool kUnit>
void backward_baseline(const AlifBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kGraded, kUnit>(a, n, m0, count);
}
// The wide variants only for unit-stride storage (they exist to vectorise); other layouts run the baseline.
template <typename S, bool kGraded>
auto backward_variant(Isa isa, bool unit) {
  return !unit                 ? &backward_baseline<S, kGraded, false>
         : isa == Isa::kAvx512 ? &backward_avx512<S, kGraded>
         : isa == Isa::kAvx2   ? &backward_avx2<S, kGraded>
                               : &backward_baseline<S, kGraded, true>;
}

}  // namespace

template <typename S>
void run(const AlifForward<S>& a) {
  const bool unit = a.x.sm == 1 && a.spikes.sm == 1 && a.current.sm == 1 && a.voltage.sm == 1 &&
                    a.th_out.sm == 1 && a.r_out.sm == 1 && a.events.sm == 1;
  const Isa isa = power_of_two(static_cast<int64_t>(a.s_scale)) ? selected_isa() : Isa::kBaseline;
  const auto block = forward_variant<S>(isa, unit);
  for_each_wide_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
}

template <typename S>
void run(const AlifBackward<S>& a) {
  // the incoming gradients may have neuron stride 0 (the expanded gradient of a sum) on the unit path too
  const auto unit_or_broadcast = [](int64_t stride) { return stride == 0 || stride == 1; };
  const bool unit = a.current.sm == 1 && a.voltage.sm == 1 && a.th_out.sm == 1 && a.r_out.sm == 1 &&
                    a.events.sm == 1 && a.grad_input.sm == 1 && unit_or_broadcast(a.grad_spikes.sm) &&
                    (a.grad_voltage.data == nullptr || unit_or_broadcast(a.grad_voltage.sm));
  const Isa isa = selected_isa();
  const auto block = a.graded ? backward_variant<S, true>(isa, unit) : backward_variant<S, false>(isa, unit);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
}

template void run<float>(const AlifForward<float>&);
template void run<double>(const AlifForward<double>&);
template void run<float>(const AlifBackward<float>&);
template void run<double>(const AlifBackward<double>&);

}  // namespace slayer_cpu
