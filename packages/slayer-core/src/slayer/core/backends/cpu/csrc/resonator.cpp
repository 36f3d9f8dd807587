// Resonator: a damped fixed-point rotation z[t] = (cos + i sin)/4096 * z'[t-1] + x[t] (each product
// truncated separately) with an optional Izhikevich reset (re' = 0, im' = threshold - 1 when im >= threshold);
// backward is the adjoint (transposed) rotation scanned in reverse time, the reset treated as a constant.
#include "kernels.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
void forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& x_re,
                   const Series<scalar_t>& x_im, const Series<scalar_t>& out_re, const Series<scalar_t>& out_im,
                   const Series<bool>& events, const Plane<scalar_t>& sin_decay, const Plane<scalar_t>& cos_decay,
                   const Plane<scalar_t>& re_state, const Plane<scalar_t>& im_state, const Plane<scalar_t>& next_re,
                   const Plane<scalar_t>& next_im, bool reset, int64_t threshold, scalar_t s_scale) {
  int64_t re[kBlock], im[kBlock], sn[kBlock], cs[kBlock];
  bool poisoned[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    bool a, b, c, d;
    sn[j] = decay_to_int(sin_decay(0, m0 + j), a);
    cs[j] = decay_to_int(cos_decay(0, m0 + j), b);
    re[j] = scale_to_int(re_state(n, m0 + j), s_scale, c);
    im[j] = scale_to_int(im_state(n, m0 + j), s_scale, d);
    poisoned[j] = !(a && b && c && d);
  }
  const int64_t xr_m = kUnit ? 1 : x_re.sm, xi_m = kUnit ? 1 : x_im.sm, or_m = kUnit ? 1 : out_re.sm,
                oi_m = kUnit ? 1 : out_im.sm, e_m = kUnit ? 1 : events.sm;
  for (int64_t t = 0; t < T; ++t) {
    const scalar_t* xr = x_re.row(n, m0) + t * x_re.st;
    const scalar_t* xi = x_im.row(n, m0) + t * x_im.st;
    scalar_t* yr = out_re.row(n, m0) + t * out_re.st;
    scalar_t* yi = out_im.row(n, m0) + t * out_im.st;
    for (int64_t j = 0; j < count; ++j) {
      bool valid_re, valid_im;
      const int64_t in_re = scale_to_int(xr[j * xr_m], s_scale, valid_re);
      const int64_t in_im = scale_to_int(xi[j * xi_m], s_scale, valid_im);
      poisoned[j] = poisoned[j] || !(valid_re && valid_im);
      const int64_t r = wrap_sub(decay_step(re[j], cs[j]), decay_step(im[j], sn[j]));
      const int64_t i = wrap_add(decay_step(re[j], sn[j]), decay_step(im[j], cs[j]));
      re[j] = wrap_add(r, in_re);
      im[j] = wrap_add(i, in_im);
      yr[j * or_m] = to_float(re[j], s_scale, poisoned[j]);
      yi[j * oi_m] = to_float(im[j], s_scale, poisoned[j]);
    }
    if (reset) {
      bool* et = events.row(n, m0) + t * events.st;
      for (int64_t j = 0; j < count; ++j) {
        const bool fired = im[j] >= threshold;
        et[j * e_m] = fired;
        re[j] = fired ? 0 : re[j];
        im[j] = fired ? wrap_sub(threshold, 1) : im[j];
      }
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    next_re(n, m0 + j) = to_float(re[j], s_scale, poisoned[j]);
    next_im(n, m0 + j) = to_float(im[j], s_scale, poisoned[j]);
  }
}

template <typename scalar_t, bool kUnit>
void backward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& g_re,
                    const Series<scalar_t>& g_im, const Plane<scalar_t>& g_next_re, const Plane<scalar_t>& g_next_im,
                    const Series<scalar_t>& y_re, const Series<scalar_t>& y_im, const Series<bool>& events,
                    const Plane<scalar_t>& sin_decay, const Plane<scalar_t>& cos_decay,
                    const Plane<scalar_t>& re_state, const Plane<scalar_t>& im_state, const Series<scalar_t>& gx_re,
                    const Series<scalar_t>& gx_im, const Plane<scalar_t>& g_sin, const Plane<scalar_t>& g_cos,
                    const Plane<scalar_t>& g_re_state, const Plane<scalar_t>& g_im_state, bool reset,
                    scalar_t reset_im) {
  scalar_t adj_re[kBlock], adj_im[kBlock], sn[kBlock], cs[kBlock], acc_sin[kBlock], acc_cos[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    sn[j] = sin_decay(0, m0 + j) / scalar_t(kDecayOne);
    cs[j] = cos_decay(0, m0 + j) / scalar_t(kDecayOne);
    adj_re[j] = g_next_re(n, m0 + j);
    adj_im[j] = g_next_im(n, m0 + j);
    acc_sin[j] = 0;
    acc_cos[j] = 0;
  }
  const int64_t gr_m = kUnit ? 1 : g_re.sm, gi_m = kUnit ? 1 : g_im.sm, yr_m = kUnit ? 1 : y_re.sm,
                yi_m = kUnit ? 1 : y_im.sm, e_m = kUnit ? 1 : events.sm, xr_m = kUnit ? 1 : gx_re.sm,
                xi_m = kUnit ? 1 : gx_im.sm;
  for (int64_t t = T - 1; t >= 0; --t) {
    const scalar_t* gr = g_re.row(n, m0) + t * g_re.st;
    const scalar_t* gi = g_im.row(n, m0) + t * g_im.st;
    scalar_t* xr = gx_re.row(n, m0) + t * gx_re.st;
    scalar_t* xi = gx_im.row(n, m0) + t * gx_im.st;
    const scalar_t* br = t > 0 ? y_re.row(n, m0) + (t - 1) * y_re.st : nullptr;
    const scalar_t* bi = t > 0 ? y_im.row(n, m0) + (t - 1) * y_im.st : nullptr;
    const bool* eb = (reset && t > 0) ? events.row(n, m0) + (t - 1) * events.st : nullptr;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t total_re = gr[j * gr_m] + adj_re[j];
      const scalar_t total_im = gi[j * gi_m] + adj_im[j];
      xr[j * xr_m] = total_re;
      xi[j * xi_m] = total_im;
      scalar_t before_re, before_im;  // the state z'[t-1] entering step t
      if (t == 0) {
        before_re = re_state(n, m0 + j);
        before_im = im_state(n, m0 + j);
      } else if (eb != nullptr && eb[j * e_m]) {
        before_re = 0;
        before_im = reset_im;
      } else {
        before_re = br[j * yr_m];
        before_im = bi[j * yi_m];
      }
      acc_cos[j] += total_re * before_re + total_im * before_im;
      acc_sin[j] += total_im * before_re - total_re * before_im;
      // transpose of [[cos, -sin], [sin, cos]]
      adj_re[j] = cs[j] * total_re + sn[j] * total_im;
      adj_im[j] = cs[j] * total_im - sn[j] * total_re;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    g_sin(n, m0 + j) = acc_sin[j] / scalar_t(kDecayOne);
    g_cos(n, m0 + j) = acc_cos[j] / scalar_t(kDecayOne);
    g_re_state(n, m0 + j) = adj_re[j];
    g_im_state(n, m0 + j) = adj_im[j];
  }
}

}  // namespace

template <typename S>
void run(const ResonatorForward<S>& a) {
  const bool unit = a.real.sm == 1 && a.imag.sm == 1 && a.out_re.sm == 1 && a.out_im.sm == 1 &&
                    (!a.reset || a.events.sm == 1);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      forward_block<S, true>(n, m0, count, a.T, a.real, a.imag, a.out_re, a.out_im, a.events, a.sin_decay,
                             a.cos_decay, a.real_state, a.imag_state, a.next_re, a.next_im, a.reset, a.threshold,
                             a.s_scale);
    } else {
      forward_block<S, false>(n, m0, count, a.T, a.real, a.imag, a.out_re, a.out_im, a.events, a.sin_decay,
                              a.cos_decay, a.real_state, a.imag_state, a.next_re, a.next_im, a.reset, a.threshold,
                              a.s_scale);
    }
  });
}

template <typename S>
void run(const ResonatorBackward<S>& a) {
  const bool unit = a.grad_real.sm == 1 && a.grad_imag.sm == 1 && a.real_out.sm == 1 && a.imag_out.sm == 1 &&
                    a.grad_x_re.sm == 1 && a.grad_x_im.sm == 1 && (!a.reset || a.events.sm == 1);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      backward_block<S, true>(n, m0, count, a.T, a.grad_real, a.grad_imag, a.grad_next_real, a.grad_next_imag,
                              a.real_out, a.imag_out, a.events, a.sin_decay, a.cos_decay, a.real_state, a.imag_state,
                              a.grad_x_re, a.grad_x_im, a.grad_sin, a.grad_cos, a.grad_re_state, a.grad_im_state,
                              a.reset, a.reset_im);
    } else {
      backward_block<S, false>(n, m0, count, a.T, a.grad_real, a.grad_imag, a.grad_next_real, a.grad_next_imag,
                               a.real_out, a.imag_out, a.events, a.sin_decay, a.cos_decay, a.real_state,
                               a.imag_state, a.grad_x_re, a.grad_x_im, a.grad_sin, a.grad_cos, a.grad_re_state,
                               a.grad_im_state, a.reset, a.reset_im);
    }
  });
}

template void run<float>(const ResonatorForward<float>&);
template void run<double>(const ResonatorForward<double>&);
template void run<float>(const ResonatorBackward<float>&);
template void run<double>(const ResonatorBackward<double>&);

}  // namespace slayer_cpu
