// Adaptive resonator: the resonator rotation (no reset of re/im) fused with the adaptive threshold and
// refractory state, Izhikevich spike when im[t] >= θ[t] + r[t]. Its backward is the resonator's.
#include "kernels.h"
#include "threshold_state.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
void forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& x_re,
                   const Series<scalar_t>& x_im, const Plane<scalar_t>& sin_decay, const Plane<scalar_t>& cos_decay,
                   const Plane<scalar_t>& re_state, const Plane<scalar_t>& im_state, const Series<scalar_t>& out_re,
                   const Series<scalar_t>& out_im, const Series<scalar_t>& th_out, const Series<scalar_t>& r_out,
                   const Series<bool>& events, ThresholdBlock<scalar_t>& state, const Plane<scalar_t>& next_re,
                   const Plane<scalar_t>& next_im, const Plane<scalar_t>& next_r, const Plane<scalar_t>& next_th,
                   scalar_t s_scale) {
  int64_t re[kBlock], im[kBlock], sn[kBlock], cs[kBlock];
  bool poisoned[kBlock];  // the resonator's poisoning (inclusive of the bin with the invalid input)
  for (int64_t j = 0; j < count; ++j) {
    bool a, b, c, d;
    sn[j] = decay_to_int(sin_decay(0, m0 + j), a);
    cs[j] = decay_to_int(cos_decay(0, m0 + j), b);
    re[j] = scale_to_int(re_state(n, m0 + j), s_scale, c);
    im[j] = scale_to_int(im_state(n, m0 + j), s_scale, d);
    poisoned[j] = !(a && b && c && d);
    state.poisoned[j] = state.poisoned[j] || poisoned[j];
  }
  const int64_t xr_m = kUnit ? 1 : x_re.sm, xi_m = kUnit ? 1 : x_im.sm, or_m = kUnit ? 1 : out_re.sm,
                oi_m = kUnit ? 1 : out_im.sm, th_m = kUnit ? 1 : th_out.sm, r_m = kUnit ? 1 : r_out.sm,
                e_m = kUnit ? 1 : events.sm;
  for (int64_t t = 0; t < T; ++t) {
    const scalar_t* xr = x_re.row(n, m0) + t * x_re.st;
    const scalar_t* xi = x_im.row(n, m0) + t * x_im.st;
    scalar_t* yr = out_re.row(n, m0) + t * out_re.st;
    scalar_t* yi = out_im.row(n, m0) + t * out_im.st;
    scalar_t* tho = th_out.row(n, m0) + t * th_out.st;
    scalar_t* ro = r_out.row(n, m0) + t * r_out.st;
    bool* e = events.row(n, m0) + t * events.st;
    for (int64_t j = 0; j < count; ++j) {
      bool valid_re, valid_im;
      const int64_t in_re = scale_to_int(xr[j * xr_m], s_scale, valid_re);
      const int64_t in_im = scale_to_int(xi[j * xi_m], s_scale, valid_im);
      const bool valid = valid_re && valid_im;
      poisoned[j] = poisoned[j] || !valid;
      const int64_t r = wrap_sub(decay_step(re[j], cs[j]), decay_step(im[j], sn[j]));
      const int64_t i = wrap_add(decay_step(re[j], sn[j]), decay_step(im[j], cs[j]));
      re[j] = wrap_add(r, in_re);
      im[j] = wrap_add(i, in_im);
      yr[j * or_m] = to_float(re[j], s_scale, poisoned[j]);
      yi[j * oi_m] = to_float(im[j], s_scale, poisoned[j]);
      state.decay(j);
      state.write(j, tho + j * th_m, ro + j * r_m, s_scale);
      const bool fired = im[j] >= state.level(j);
      e[j * e_m] = fired;
      state.jump(j, fired);
      state.pending[j] = state.pending[j] || !valid;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    next_re(n, m0 + j) = to_float(re[j], s_scale, poisoned[j]);
    next_im(n, m0 + j) = to_float(im[j], s_scale, poisoned[j]);
  }
  state.write_next(n, m0, count, next_r, next_th, s_scale);
}

}  // namespace

template <typename S>
void run(const AdaptiveResonatorForward<S>& a) {
  const bool unit = a.real.sm == 1 && a.imag.sm == 1 && a.out_re.sm == 1 && a.out_im.sm == 1 && a.th_out.sm == 1 &&
                    a.r_out.sm == 1 && a.events.sm == 1;
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    ThresholdBlock<S> state(n, m0, count, a.ref_decay, a.th_decay, a.ref_state, a.th_state, a.th_step, a.th0,
                            a.s_scale);
    if (unit) {
      forward_block<S, true>(n, m0, count, a.T, a.real, a.imag, a.sin_decay, a.cos_decay, a.real_state, a.imag_state,
                             a.out_re, a.out_im, a.th_out, a.r_out, a.events, state, a.next_re, a.next_im, a.next_r,
                             a.next_th, a.s_scale);
    } else {
      forward_block<S, false>(n, m0, count, a.T, a.real, a.imag, a.sin_decay, a.cos_decay, a.real_state,
                              a.imag_state, a.out_re, a.out_im, a.th_out, a.r_out, a.events, state, a.next_re,
                              a.next_im, a.next_r, a.next_th, a.s_scale);
    }
  });
}

template void run<float>(const AdaptiveResonatorForward<float>&);
template void run<double>(const AdaptiveResonatorForward<double>&);

}  // namespace slayer_cpu
