// Phase spike of resonate-and-fire neurons (slayer.spike.complex) in one pass over the series, forward and
// backward, registered as torch.ops.slayer_cpu.phase_spike_forward / phase_spike_backward (docs/backends.md).
// The elementwise PyTorch version walks the (N, M, T) series about 5 times forward and 15 times backward;
// this walks it once each way. Formulas (a = tau_rho, u = re - threshold, im[-1] = imag_state; the threshold is
// one number or, given threshold_series, one per element):
//   forward:  fired = re >= threshold && im[t-1] < 0 <= im[t];  out = fired (binary) or fired * (re / scale)
//   backward: d_re = exp(-|u|/a)/(2a) (binary) or exp(min(u,0)/a) (graded);  d_im = exp(-|im|/a)/(2a)
//             grad_real = g * scale_rho * d_re * d_im
//             grad_imag = g * -(scale_rho/a) * sign(im) * d_im * (1 + sign(u) * (1 - 2a d_re)) / 2
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sub.h>
#include <ATen/EmptyTensor.h>
#include <torch/library.h>

#include <cmath>
#include <tuple>
#include <type_traits>
#include <vector>

#include "dispatch.h"
#include "fixed_point.h"
#include "isa.h"
#include "output_pool.h"
#include "series_checks.h"
#include "wide_blocks.h"
#include "surrogate.h"

namespace slayer_cpu {
namespace {

using at::Tensor;

template <typename S>
struct PhaseForward {
  int64_t N, M, T;
  Series<const S> real, imag, theta;  // theta.data == nullptr: the scalar threshold
  Plane<const S> imag_state;
  Series<S> out;
  S threshold, scale;
  bool graded;
};

template <typename S>
struct PhaseBackward {
  int64_t N, M, T;
  Series<const S> grad, real, imag;
  Series<S> grad_real, grad_imag;  // data == nullptr: not wanted
  S threshold, inverse_tau, half_inverse_tau, two_tau, scale_rho, imag_factor;  // imag_factor = -scale_rho / a
  bool graded;
};

template <typename S>
SLAYER_INLINE S sign_of(S x) {
  return x > 0 ? S(1) : (x < 0 ? S(-1) : S(0));
}

template <typename S>
SLAYER_INLINE S fire(const PhaseForward<S>& a, S value, S level, S previous, S now) {
  const S fired = (value >= level && previous < S(0) && now >= S(0)) ? S(1) : S(0);
  // graded: fired * (re / scale), so a NaN re gives NaN as torch's elementwise product does
  return a.graded ? fired * (value / a.scale) : fired;
}

// kUnit: every series has unit neuron stride (neuron-contiguous storage), so the neuron loop vectorises.
// kTheta: a threshold per element (a series, e.g. the adaptive θ[t] + r[t]) instead of one number.
template <typename S, bool kUnit, bool kTheta>
SLAYER_INLINE void forward_block(const PhaseForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  const S* __restrict__ re = a.real.row(n, m0);
  const S* __restrict__ im = a.imag.row(n, m0);
  const S* __restrict__ th = kTheta ? a.theta.row(n, m0) : nullptr;
  S* __restrict__ out = a.out.row(n, m0);
  const int64_t rs = kUnit ? 1 : a.real.sm, is = kUnit ? 1 : a.imag.sm, os = kUnit ? 1 : a.out.sm;
  const int64_t ts = kUnit ? 1 : a.theta.sm;
  for (int64_t t = 0; t < a.T; ++t) {
    const S* __restrict__ re_t = re + t * a.real.st;
    const S* __restrict__ im_t = im + t * a.imag.st;
    const S* __restrict__ th_t = kTheta ? th + t * a.theta.st : nullptr;
    S* __restrict__ out_t = out + t * a.out.st;
    if (t == 0) {
      for (int64_t j = 0; j < count; ++j) {
        const S level = kTheta ? th_t[j * ts] : a.threshold;
        out_t[j * os] = fire(a, re_t[j * rs], level, a.imag_state(n, m0 + j), im_t[j * is]);
      }
      continue;
    }
    const S* __restrict__ im_prev = im_t - a.imag.st;
    for (int64_t j = 0; j < count; ++j) {  // no branch on t inside: the neuron loop vectorises
      const S level = kTheta ? th_t[j * ts] : a.threshold;
      out_t[j * os] = fire(a, re_t[j * rs], level, im_prev[j * is], im_t[j * is]);
    }
  }
}

template <typename S, bool kUnit>
SLAYER_INLINE void backward_block(const PhaseBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  const int64_t gs = kUnit ? 1 : a.grad.sm, rs = kUnit ? 1 : a.real.sm, is = kUnit ? 1 : a.imag.sm;
  const int64_t grs = kUnit ? 1 : a.grad_real.sm, gis = kUnit ? 1 : a.grad_imag.sm;
  // the constants in locals (no reload after each store) and the options as compile-time constants, so that
  // each inner loop is branch-free and vectorises
  const S threshold = a.threshold, inverse_tau = a.inverse_tau, half_inverse_tau = a.half_inverse_tau;
  const S two_tau = a.two_tau, scale_rho = a.scale_rho, imag_factor = a.imag_factor;
  const auto steps = [=](auto graded, auto want_real, auto want_imag) {  // by value: no aliasing with stores
    for (int64_t t = 0; t < a.T; ++t) {
      const S* __restrict__ g = a.grad.row(n, m0) + t * a.grad.st;
      const S* __restrict__ re = a.real.row(n, m0) + t * a.real.st;
      const S* __restrict__ im = a.imag.row(n, m0) + t * a.imag.st;
      S* __restrict__ gr = want_real ? a.grad_real.row(n, m0) + t * a.grad_real.st : nullptr;
      S* __restrict__ gi = want_imag ? a.grad_imag.row(n, m0) + t * a.grad_imag.st : nullptr;
      for (int64_t j = 0; j < count; ++j) {
        const S u = re[j * rs] - threshold, v = im[j * is], grad = g[j * gs];
        S delta_re;
        if constexpr (decltype(graded)::value) {
          delta_re = exp_nonpositive(std::min(u, S(0)) * inverse_tau);
        } else {
          delta_re = exp_nonpositive(-std::abs(u) * inverse_tau) * half_inverse_tau;
        }
        const S delta_im = exp_nonpositive(-std::abs(v) * inverse_tau) * half_inverse_tau;
        if constexpr (decltype(want_real)::value) gr[j * grs] = grad * (scale_rho * delta_re * delta_im);
        if constexpr (decltype(want_imag)::value) {
          const S step_re = S(0.5) * (S(1) + sign_of(u) * (S(1) - two_tau * delta_re));
          gi[j * gis] = grad * (imag_factor * sign_of(v) * delta_im * step_re);
        }
      }
    }
  };
  const bool want_real = a.grad_real.data != nullptr, want_imag = a.grad_imag.data != nullptr;
  const auto with_grads = [&](auto graded) {
    using T = std::true_type;
    using F = std::false_type;
    if (want_real && want_imag) steps(graded, T{}, T{});
    else if (want_real) steps(graded, T{}, F{});
    else if (want_imag) steps(graded, F{}, T{});
  };
  a.graded ? with_grads(std::true_type{}) : with_grads(std::false_type{});
}

// One instantiation per ISA (isa.h); the unit-stride neuron-contiguous case vectorises.
template <typename S, bool kUnit, bool kTheta>
SLAYER_TARGET_AVX512 void forward_avx512(const PhaseForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit, bool kTheta>
SLAYER_TARGET_AVX2 void forward_avx2(const PhaseForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit, bool kTheta>
void forward_baseline(const PhaseForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  forward_block<S, kUnit, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void backward_avx512(const PhaseBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kUnit>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void backward_avx2(const PhaseBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kUnit>(a, n, m0, count);
}
template <typename S, bool kUnit>
void backward_baseline(const PhaseBackward<S>& a, int64_t n, int64_t m0, int64_t count) {
  backward_block<S, kUnit>(a, n, m0, count);
}

template <typename S, bool kUnit, bool kTheta>
auto forward_variant(Isa isa) {
  // vector variants only where they pay: float32 on unit-stride rows (fewer instantiations, a shorter build)
  if constexpr (std::is_same_v<S, float> && kUnit) {
    return isa == Isa::kAvx512 ? &forward_avx512<S, kUnit, kTheta>
           : isa == Isa::kAvx2 ? &forward_avx2<S, kUnit, kTheta>
                               : &forward_baseline<S, kUnit, kTheta>;
  } else {
    (void)isa;
    return &forward_baseline<S, kUnit, kTheta>;
  }
}
template <typename S, bool kUnit>
auto backward_variant(Isa isa) {
  // vector variants only where they pay: float32 on unit-stride rows (fewer instantiations, a shorter build)
  if constexpr (std::is_same_v<S, float> && kUnit) {
    return isa == Isa::kAvx512 ? &backward_avx512<S, kUnit>
           : isa == Isa::kAvx2 ? &backward_avx2<S, kUnit>
                               : &backward_baseline<S, kUnit>;
  } else {
    (void)isa;
    return &backward_baseline<S, kUnit>;
  }
}
// The block function for a call: unit stride or not, scalar or per-element threshold, the widest ISA.
template <typename S>
auto pick_forward(const PhaseForward<S>& a, bool unit) {
  const Isa isa = selected_isa();
  const bool theta = a.theta.data != nullptr;
  return unit ? (theta ? forward_variant<S, true, true>(isa) : forward_variant<S, true, false>(isa))
              : (theta ? forward_variant<S, false, true>(isa) : forward_variant<S, false, false>(isa));
}

// -- tensor glue -------------------------------------------------------------------------------------

template <typename S, typename P = S>
Series<P> series(const Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1), x.stride(2)};
}

// The per-element threshold as a series, or none (empty: the scalar `threshold`).
template <typename S>
Series<const S> theta_series(const char* op, const Tensor& threshold_series, const Tensor& real) {
  if (threshold_series.numel() == 0) return {nullptr, 0, 0, 0};
  check_series_like(op, "threshold_series", threshold_series, real);
  return series<S, const S>(threshold_series);
}

Tensor phase_spike_forward(const Tensor& real, const Tensor& imag, const Tensor& imag_state,
                           const Tensor& threshold_series, double threshold, bool graded, double scale) {
  const char* op = "slayer_cpu::phase_spike_forward";
  check_float_series(op, "real", real);
  check_series_like(op, "imag", imag, real);
  const int64_t N = real.size(0), M = real.size(1), T = real.size(2);
  TORCH_CHECK(imag_state.sizes() == at::IntArrayRef({N, M}) && imag_state.scalar_type() == real.scalar_type(), op,
              ": imag_state must have shape (", N, ", ", M, ") and dtype ", real.scalar_type(), ", got ",
              imag_state.sizes(), " ", imag_state.scalar_type());
  Tensor out = pooled_like(real);  // laid out like the input (the neuron's outputs stay neuron-contiguous)
  dispatch_float(real, [&](auto tag) {
    using S = decltype(tag);
    const PhaseForward<S> a{N,
                            M,
                            T,
                            series<S, const S>(real),
                            series<S, const S>(imag),
                            theta_series<S>(op, threshold_series, real),
                            {imag_state.data_ptr<S>(), imag_state.stride(0), imag_state.stride(1)},
                            series<S>(out),
                            static_cast<S>(threshold),
                            static_cast<S>(scale),
                            graded};
    const bool unit = a.real.sm == 1 && a.imag.sm == 1 && a.out.sm == 1 && (!a.theta.data || a.theta.sm == 1);
    const auto block = pick_forward<S>(a, unit);
    for_each_wide_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
  });
  return out;
}

std::tuple<Tensor, Tensor> phase_spike_backward(const Tensor& grad_output, const Tensor& real, const Tensor& imag,
                                                const Tensor& threshold_series, double threshold, double tau_rho,
                                                double scale_rho, bool graded, bool real_grad, bool imag_grad) {
  const char* op = "slayer_cpu::phase_spike_backward";
  check_float_series(op, "real", real);
  check_series_like(op, "imag", imag, real);
  check_series_like(op, "grad_output", grad_output, real);
  TORCH_CHECK(tau_rho > 0, op, ": tau_rho must be positive, got ", tau_rho);
  // The backward reads real only as u = real - threshold: with a threshold series, u comes from one (vectorised)
  // ATen subtraction and the loop below runs with threshold 0, which keeps it as fast as for one number.
  Tensor distance = real;
  if (threshold_series.numel() != 0) {
    check_series_like(op, "threshold_series", threshold_series, real);
    distance = at::sub(real, threshold_series);
    threshold = 0.0;
  }
  const int64_t N = real.size(0), M = real.size(1), T = real.size(2);
  Tensor grad_real = real_grad ? pooled_like(real) : at::empty({0}, real.options());
  Tensor grad_imag = imag_grad ? pooled_like(imag) : at::empty({0}, real.options());
  dispatch_float(real, [&](auto tag) {
    using S = decltype(tag);
    const Series<S> none{nullptr, 0, 0, 0};
    const PhaseBackward<S> a{N,
                             M,
                             T,
                             series<S, const S>(grad_output),
                             series<S, const S>(distance),
                             series<S, const S>(imag),
                             real_grad ? series<S>(grad_real) : none,
                             imag_grad ? series<S>(grad_imag) : none,
                             static_cast<S>(threshold),
                             static_cast<S>(1.0 / tau_rho),
                             static_cast<S>(0.5 / tau_rho),
                             static_cast<S>(2.0 * tau_rho),
                             static_cast<S>(scale_rho),
                             static_cast<S>(-scale_rho / tau_rho),
                             graded};
    const bool unit = a.grad.sm == 1 && a.real.sm == 1 && a.imag.sm == 1 && (!real_grad || a.grad_real.sm == 1) &&
                      (!imag_grad || a.grad_imag.sm == 1);
    const Isa isa = selected_isa();
    const auto block = unit ? backward_variant<S, true>(isa) : backward_variant<S, false>(isa);
    for_each_wide_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
  });
  return {grad_real, grad_imag};
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(slayer_cpu, m) {
  m.def(
      "phase_spike_forward(Tensor real, Tensor imag, Tensor imag_state, Tensor threshold_series, float threshold, "
      "bool graded, float scale) -> Tensor");
  m.def(
      "phase_spike_backward(Tensor grad_output, Tensor real, Tensor imag, Tensor threshold_series, "
      "float threshold, float tau_rho, float scale_rho, bool graded, bool real_grad, bool imag_grad) -> "
      "(Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(slayer_cpu, CPU, m) {
  m.impl("phase_spike_forward", &phase_spike_forward);
  m.impl("phase_spike_backward", &phase_spike_backward);
}

}  // namespace slayer_cpu
