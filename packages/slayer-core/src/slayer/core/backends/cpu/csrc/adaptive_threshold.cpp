// Adaptive threshold with refractory, driven by a voltage trace (spike when trunc(s v) >= θ + r), and
// its phase variant for resonators (spike also needs an upward zero crossing of the imaginary part).
// Backward: the adjoint of the linear θ/r recursion with the spikes held fixed.
#include "kernels.h"
#include "threshold_state.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
void forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& voltage,
                   const Series<scalar_t>& th_out, const Series<scalar_t>& r_out, const Series<bool>& events,
                   ThresholdBlock<scalar_t>& state, const Plane<scalar_t>& next_r, const Plane<scalar_t>& next_th,
                   scalar_t s_scale) {
  const int64_t v_m = kUnit ? 1 : voltage.sm, th_m = kUnit ? 1 : th_out.sm, r_m = kUnit ? 1 : r_out.sm,
                e_m = kUnit ? 1 : events.sm;
  for (int64_t t = 0; t < T; ++t) {
    const scalar_t* v = voltage.row(n, m0) + t * voltage.st;
    scalar_t* tho = th_out.row(n, m0) + t * th_out.st;
    scalar_t* ro = r_out.row(n, m0) + t * r_out.st;
    bool* e = events.row(n, m0) + t * events.st;
    for (int64_t j = 0; j < count; ++j) {
      bool valid;
      const int64_t vi = scale_to_int(v[j * v_m], s_scale, valid);
      state.decay(j);
      state.write(j, tho + j * th_m, ro + j * r_m, s_scale);
      const bool fired = vi >= state.level(j);
      e[j * e_m] = fired;
      state.jump(j, fired);
      state.pending[j] = state.pending[j] || !valid;
    }
  }
  state.write_next(n, m0, count, next_r, next_th, s_scale);
}

template <typename scalar_t, bool kUnit>
void phase_forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& real,
                         const Series<scalar_t>& imag, const Plane<scalar_t>& imag_state,
                         const Series<scalar_t>& th_out, const Series<scalar_t>& r_out, const Series<bool>& events,
                         ThresholdBlock<scalar_t>& state, const Plane<scalar_t>& next_r,
                         const Plane<scalar_t>& next_th, scalar_t s_scale) {
  int64_t im_before[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    bool valid;
    im_before[j] = scale_to_int(imag_state(n, m0 + j), s_scale, valid);
    state.poisoned[j] = state.poisoned[j] || !valid;
  }
  const int64_t re_m = kUnit ? 1 : real.sm, im_m = kUnit ? 1 : imag.sm, th_m = kUnit ? 1 : th_out.sm,
                r_m = kUnit ? 1 : r_out.sm, e_m = kUnit ? 1 : events.sm;
  for (int64_t t = 0; t < T; ++t) {
    const scalar_t* re = real.row(n, m0) + t * real.st;
    const scalar_t* im = imag.row(n, m0) + t * imag.st;
    scalar_t* tho = th_out.row(n, m0) + t * th_out.st;
    scalar_t* ro = r_out.row(n, m0) + t * r_out.st;
    bool* e = events.row(n, m0) + t * events.st;
    for (int64_t j = 0; j < count; ++j) {
      bool valid_re, valid_im;
      const int64_t rei = scale_to_int(re[j * re_m], s_scale, valid_re);
      const int64_t imi = scale_to_int(im[j * im_m], s_scale, valid_im);
      state.decay(j);
      state.write(j, tho + j * th_m, ro + j * r_m, s_scale);
      const bool upward_zero_crossing = im_before[j] < 0 && imi >= 0;
      const bool fired = rei >= state.level(j) && upward_zero_crossing;
      e[j * e_m] = fired;
      state.jump(j, fired);
      im_before[j] = imi;
      state.pending[j] = state.pending[j] || !(valid_re && valid_im);
    }
  }
  state.write_next(n, m0, count, next_r, next_th, s_scale);
}

template <typename scalar_t, bool kUnit>
void backward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& g_th,
                    const Series<scalar_t>& g_r, const Plane<scalar_t>& g_next_r, const Plane<scalar_t>& g_next_th,
                    const Series<scalar_t>& th_out, const Series<scalar_t>& r_out, const Series<bool>& events,
                    const Plane<scalar_t>& ref_decay, const Plane<scalar_t>& th_decay,
                    const Plane<scalar_t>& ref_state, const Plane<scalar_t>& th_state, scalar_t base, scalar_t step,
                    const Plane<scalar_t>& g_ref_decay, const Plane<scalar_t>& g_th_decay,
                    const Plane<scalar_t>& g_ref_state, const Plane<scalar_t>& g_th_state) {
  scalar_t adj_r[kBlock], adj_phi[kBlock], ref_ret[kBlock], th_ret[kBlock], acc_ref[kBlock], acc_th[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    ref_ret[j] = scalar_t(1) - ref_decay(0, m0 + j) / scalar_t(kDecayOne);
    th_ret[j] = scalar_t(1) - th_decay(0, m0 + j) / scalar_t(kDecayOne);
    adj_r[j] = g_next_r(n, m0 + j);
    adj_phi[j] = g_next_th(n, m0 + j);
    acc_ref[j] = 0;
    acc_th[j] = 0;
  }
  const int64_t gt_m = kUnit ? 1 : g_th.sm, gr_m = kUnit ? 1 : g_r.sm, th_m = kUnit ? 1 : th_out.sm,
                r_m = kUnit ? 1 : r_out.sm, e_m = kUnit ? 1 : events.sm;
  for (int64_t t = T - 1; t >= 0; --t) {
    const scalar_t* gt = g_th.row(n, m0) + t * g_th.st;
    const scalar_t* gr = g_r.row(n, m0) + t * g_r.st;
    const bool* e = events.row(n, m0) + t * events.st;
    const scalar_t* thb = t > 0 ? th_out.row(n, m0) + (t - 1) * th_out.st : nullptr;
    const scalar_t* rb = t > 0 ? r_out.row(n, m0) + (t - 1) * r_out.st : nullptr;
    const bool* eb = t > 0 ? events.row(n, m0) + (t - 1) * events.st : nullptr;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t fired = e[j * e_m] ? scalar_t(1) : scalar_t(0);
      const scalar_t total_r = gr[j * gr_m] + adj_r[j];
      const scalar_t total_phi = gt[j * gt_m] + adj_phi[j] + scalar_t(2) * fired * adj_r[j];
      scalar_t r_before, phi_before;  // r'[t-1] and θ'[t-1] - θ0 (after the jumps of bin t-1)
      if (t == 0) {
        r_before = ref_state(n, m0 + j);
        phi_before = th_state(n, m0 + j) - base;
      } else {
        const scalar_t fired_before = eb[j * e_m] ? scalar_t(1) : scalar_t(0);
        const scalar_t th = thb[j * th_m];
        r_before = rb[j * r_m] + scalar_t(2) * fired_before * th;
        phi_before = th - base + step * fired_before;
      }
      acc_ref[j] += total_r * r_before;
      acc_th[j] += total_phi * phi_before;
      adj_r[j] = ref_ret[j] * total_r;
      adj_phi[j] = th_ret[j] * total_phi;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    g_ref_decay(n, m0 + j) = -acc_ref[j] / scalar_t(kDecayOne);
    g_th_decay(n, m0 + j) = -acc_th[j] / scalar_t(kDecayOne);
    g_ref_state(n, m0 + j) = adj_r[j];
    g_th_state(n, m0 + j) = adj_phi[j];
  }
}

}  // namespace

template <typename S>
void run(const AdaptiveThresholdForward<S>& a) {
  const bool unit = a.voltage.sm == 1 && a.th_out.sm == 1 && a.r_out.sm == 1 && a.events.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    ThresholdBlock<S> state(n, m0, count, a.ref_decay, a.th_decay, a.ref_state, a.th_state, a.th_step, a.th0,
                            a.s_scale);
    if (unit) {
      forward_block<S, true>(n, m0, count, a.T, a.voltage, a.th_out, a.r_out, a.events, state, a.next_r, a.next_th,
                             a.s_scale);
    } else {
      forward_block<S, false>(n, m0, count, a.T, a.voltage, a.th_out, a.r_out, a.events, state, a.next_r, a.next_th,
                              a.s_scale);
    }
  });
}

template <typename S>
void run(const AdaptivePhaseThresholdForward<S>& a) {
  const bool unit = a.real.sm == 1 && a.imag.sm == 1 && a.th_out.sm == 1 && a.r_out.sm == 1 && a.events.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    ThresholdBlock<S> state(n, m0, count, a.ref_decay, a.th_decay, a.ref_state, a.th_state, a.th_step, a.th0,
                            a.s_scale);
    if (unit) {
      phase_forward_block<S, true>(n, m0, count, a.T, a.real, a.imag, a.imag_state, a.th_out, a.r_out, a.events,
                                   state, a.next_r, a.next_th, a.s_scale);
    } else {
      phase_forward_block<S, false>(n, m0, count, a.T, a.real, a.imag, a.imag_state, a.th_out, a.r_out, a.events,
                                    state, a.next_r, a.next_th, a.s_scale);
    }
  });
}

template <typename S>
void run(const AdaptiveThresholdBackward<S>& a) {
  const bool unit = a.grad_threshold.sm == 1 && a.grad_refractory.sm == 1 && a.threshold_out.sm == 1 &&
                    a.refractory_out.sm == 1 && a.events.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      backward_block<S, true>(n, m0, count, a.T, a.grad_threshold, a.grad_refractory, a.grad_next_ref,
                              a.grad_next_th, a.threshold_out, a.refractory_out, a.events, a.ref_decay, a.th_decay,
                              a.ref_state, a.th_state, a.base, a.step, a.grad_ref_decay, a.grad_th_decay,
                              a.grad_ref_state, a.grad_th_state);
    } else {
      backward_block<S, false>(n, m0, count, a.T, a.grad_threshold, a.grad_refractory, a.grad_next_ref,
                               a.grad_next_th, a.threshold_out, a.refractory_out, a.events, a.ref_decay, a.th_decay,
                               a.ref_state, a.th_state, a.base, a.step, a.grad_ref_decay, a.grad_th_decay,
                               a.grad_ref_state, a.grad_th_state);
    }
  });
}

template void run<float>(const AdaptiveThresholdForward<float>&);
template void run<double>(const AdaptiveThresholdForward<double>&);
template void run<float>(const AdaptivePhaseThresholdForward<float>&);
template void run<double>(const AdaptivePhaseThresholdForward<double>&);
template void run<float>(const AdaptiveThresholdBackward<float>&);
template void run<double>(const AdaptiveThresholdBackward<double>&);

}  // namespace slayer_cpu
