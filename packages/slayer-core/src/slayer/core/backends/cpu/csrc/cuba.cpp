// Fused CUBA neuron: in one pass per time step and neuron, the current integrator, the voltage integrator
// with reset (integer state >= threshold) and the real spike (float voltage >= spike threshold), exactly as
// the composition leaky_integrator -> leaky_integrator -> real_spike computes them. Backward: the spike's
// surrogate slope, then the voltage and current adjoint scans, in one reverse pass.
#include "kernels.h"
#include "surrogate.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
void forward_block(const CubaForward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  int64_t c[kBlock], v[kBlock], kc[kBlock], kv[kBlock];
  bool bad_c[kBlock], bad_v[kBlock];
  const scalar_t W = a.s_scale;
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
                vm = kUnit ? 1 : a.voltage.sm, em = kUnit ? 1 : a.events.sm;
  const scalar_t level = a.spike_threshold;
  for (int64_t t = 0; t < a.T; ++t) {
    const scalar_t* xt = a.x.row(n, m0) + t * a.x.st;
    scalar_t* st = a.spikes.row(n, m0) + t * a.spikes.st;
    scalar_t* ct = a.current.row(n, m0) + t * a.current.st;
    scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    bool* et = a.events.row(n, m0) + t * a.events.st;
    for (int64_t j = 0; j < count; ++j) {
      bool x_ok, c_ok;
      const int64_t input = scale_to_int(xt[j * xm], W, x_ok);
      bad_c[j] = bad_c[j] || !x_ok;
      c[j] = wrap_add(decay_step(c[j], kc[j]), input);
      const scalar_t current = to_float(c[j], W, bad_c[j]);
      ct[j * cm] = current;
      // the voltage integrates the float current, re-scaled (as the composition's second integrator does)
      const int64_t drive = scale_to_int(current, W, c_ok);
      bad_v[j] = bad_v[j] || !c_ok;
      v[j] = wrap_add(decay_step(v[j], kv[j]), drive);
      const scalar_t voltage = to_float(v[j], W, bad_v[j]);
      vt[j * vm] = voltage;
      st[j * sm] = spike_value(voltage, level, a.graded);
      const bool fired = v[j] >= a.threshold;
      et[j * em] = fired;
      v[j] = fired ? 0 : v[j];
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_current(n, m0 + j) = to_float(c[j], W, bad_c[j]);
    a.next_voltage(n, m0 + j) = to_float(v[j], W, bad_v[j]);
  }
}

template <typename scalar_t, bool kUnit>
void backward_block(const CubaBackward<scalar_t>& a, int64_t n, int64_t m0, int64_t count) {
  scalar_t kc[kBlock], kv[kBlock], adj_c[kBlock], adj_v[kBlock], acc_c[kBlock], acc_v[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    kc[j] = scalar_t(1) - a.current_decay(0, m0 + j) / scalar_t(kDecayOne);
    kv[j] = scalar_t(1) - a.voltage_decay(0, m0 + j) / scalar_t(kDecayOne);
    adj_c[j] = a.grad_next_current(n, m0 + j);
    adj_v[j] = a.grad_next_voltage(n, m0 + j);
    acc_c[j] = 0;
    acc_v[j] = 0;
  }
  const bool has_gv = a.grad_voltage.data != nullptr;
  const int64_t gm = kUnit ? 1 : a.grad_spikes.sm, gvm = kUnit ? 1 : a.grad_voltage.sm,
                cm = kUnit ? 1 : a.current.sm, vm = kUnit ? 1 : a.voltage.sm, em = kUnit ? 1 : a.events.sm,
                im = kUnit ? 1 : a.grad_input.sm;
  const scalar_t level = a.spike_threshold, tau = a.tau_rho, height = a.scale_rho;
  for (int64_t t = a.T - 1; t >= 0; --t) {
    const scalar_t* gs = a.grad_spikes.row(n, m0) + t * a.grad_spikes.st;
    const scalar_t* gv = has_gv ? a.grad_voltage.row(n, m0) + t * a.grad_voltage.st : nullptr;
    const scalar_t* vt = a.voltage.row(n, m0) + t * a.voltage.st;
    scalar_t* gx = a.grad_input.row(n, m0) + t * a.grad_input.st;
    // values entering step t: post-reset voltage and current of step t-1, or the initial states
    const scalar_t* vb = t > 0 ? a.voltage.row(n, m0) + (t - 1) * a.voltage.st : nullptr;
    const scalar_t* cb = t > 0 ? a.current.row(n, m0) + (t - 1) * a.current.st : nullptr;
    const bool* eb = t > 0 ? a.events.row(n, m0) + (t - 1) * a.events.st : nullptr;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t voltage = vt[j * vm];
      const scalar_t distance = voltage - level;
      const scalar_t slope = spike_slope(distance, laplace_bump(distance, tau, height), tau, height, a.graded);
      scalar_t lv = gs[j * gm] * slope;
      if (has_gv) lv = lv + gv[j * gvm];
      lv = lv + adj_v[j];
      const scalar_t v_before = t > 0 ? (eb[j * em] ? scalar_t(0) : vb[j * vm]) : a.voltage_state(n, m0 + j);
      acc_v[j] += lv * v_before;
      adj_v[j] = kv[j] * lv;
      const scalar_t lc = lv + adj_c[j];
      gx[j * im] = lc;
      const scalar_t c_before = t > 0 ? cb[j * cm] : a.current_state(n, m0 + j);
      acc_c[j] += lc * c_before;
      adj_c[j] = kc[j] * lc;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.grad_current_decay(n, m0 + j) = -acc_c[j] / scalar_t(kDecayOne);
    a.grad_voltage_decay(n, m0 + j) = -acc_v[j] / scalar_t(kDecayOne);
    a.grad_current_state(n, m0 + j) = adj_c[j];
    a.grad_voltage_state(n, m0 + j) = adj_v[j];
  }
}

}  // namespace

template <typename S>
void run(const CubaForward<S>& a) {
  const bool unit =
      a.x.sm == 1 && a.spikes.sm == 1 && a.current.sm == 1 && a.voltage.sm == 1 && a.events.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      forward_block<S, true>(a, n, m0, count);
    } else {
      forward_block<S, false>(a, n, m0, count);
    }
  });
}

template <typename S>
void run(const CubaBackward<S>& a) {
  const bool unit = a.grad_spikes.sm == 1 && (a.grad_voltage.data == nullptr || a.grad_voltage.sm == 1) &&
                    a.current.sm == 1 && a.voltage.sm == 1 && a.events.sm == 1 && a.grad_input.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      backward_block<S, true>(a, n, m0, count);
    } else {
      backward_block<S, false>(a, n, m0, count);
    }
  });
}

template void run<float>(const CubaForward<float>&);
template void run<double>(const CubaForward<double>&);
template void run<float>(const CubaBackward<float>&);
template void run<double>(const CubaBackward<double>&);

}  // namespace slayer_cpu
