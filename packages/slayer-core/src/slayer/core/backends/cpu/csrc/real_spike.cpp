// Real spike (slayer.spike.real: threshold crossing with a Laplace surrogate) in one pass over the series,
// forward and backward, registered as torch.ops.slayer_cpu.real_spike_forward / real_spike_backward
// (docs/backends.md); the fused CUBA and ALIF kernels have it built in, this serves the models whose dynamics
// and spike are separate ops (rf_iz, adrf_iz). With u = v - threshold (threshold one number or, given
// threshold_series, one per element) and a = tau_rho:
//   forward:  out = fired (binary) or fired * (v / scale), fired = v >= threshold (in the series dtype)
//   backward: grad_v = g * scale_rho * exp(-|u|/a) / (2a) (binary) or g * scale_rho * exp(min(u, 0)/a) (graded)
#include <ATen/core/Tensor.h>
#include <ATen/ops/sub.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "dispatch.h"
#include "fixed_point.h"
#include "isa.h"
#include "output_pool.h"
#include "series_checks.h"
#include "surrogate.h"
#include "wide_blocks.h"

namespace slayer_cpu {
namespace {

using at::Tensor;

template <typename S>
struct RealSpike {
  int64_t N, M, T;
  Series<const S> voltage, grad, theta;  // grad: backward only; theta: forward with a threshold series
  Series<S> out;
  S threshold, scale, inverse_tau, peak, scale_rho;  // peak = scale_rho / (2 tau)
  bool graded;
};

// kUnit: unit neuron stride everywhere (the loop over a row of neurons vectorises); kBackward: the gradient
// (else the spikes); kGraded: graded spikes; kTheta: the forward compares with a threshold series.
template <typename S, bool kUnit, bool kBackward, bool kGraded, bool kTheta>
SLAYER_INLINE void spike_block(const RealSpike<S>& a, int64_t n, int64_t m0, int64_t count) {
  const S threshold = a.threshold, scale = a.scale, inverse_tau = a.inverse_tau, peak = a.peak;
  const S scale_rho = a.scale_rho;
  const int64_t vs = kUnit ? 1 : a.voltage.sm, gs = kUnit ? 1 : a.grad.sm, os = kUnit ? 1 : a.out.sm;
  for (int64_t t = 0; t < a.T; ++t) {
    const S* __restrict__ v = a.voltage.row(n, m0) + t * a.voltage.st;
    S* __restrict__ out = a.out.row(n, m0) + t * a.out.st;
    if constexpr (kBackward) {
      const S* __restrict__ g = a.grad.row(n, m0) + t * a.grad.st;
      for (int64_t j = 0; j < count; ++j) {
        const S u = v[j * vs] - threshold;
        const S rho = kGraded ? scale_rho * exp_nonpositive(std::min(u, S(0)) * inverse_tau)
                              : peak * exp_nonpositive(-std::abs(u) * inverse_tau);
        out[j * os] = g[j * gs] * rho;
      }
    } else {
      const S* __restrict__ th = kTheta ? a.theta.row(n, m0) + t * a.theta.st : nullptr;
      const int64_t ts = kUnit ? 1 : a.theta.sm;
      for (int64_t j = 0; j < count; ++j) {
        const S value = v[j * vs];
        S level = threshold;
        if constexpr (kTheta) level = th[j * ts];
        const S fired = value >= level ? S(1) : S(0);
        out[j * os] = kGraded ? fired * (value / scale) : fired;  // NaN voltage: NaN, as torch gives
      }
    }
  }
}

template <typename S, bool kUnit, bool kBackward, bool kGraded, bool kTheta>
SLAYER_TARGET_AVX512 void spike_avx512(const RealSpike<S>& a, int64_t n, int64_t m0, int64_t count) {
  spike_block<S, kUnit, kBackward, kGraded, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit, bool kBackward, bool kGraded, bool kTheta>
SLAYER_TARGET_AVX2 void spike_avx2(const RealSpike<S>& a, int64_t n, int64_t m0, int64_t count) {
  spike_block<S, kUnit, kBackward, kGraded, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit, bool kBackward, bool kGraded, bool kTheta>
void spike_baseline(const RealSpike<S>& a, int64_t n, int64_t m0, int64_t count) {
  spike_block<S, kUnit, kBackward, kGraded, kTheta>(a, n, m0, count);
}
template <typename S, bool kUnit, bool kBackward, bool kGraded, bool kTheta>
auto spike_isa(Isa isa) {
  if constexpr (std::is_same_v<S, float> && kUnit) {  // vector variants only where they pay (a shorter build)
    return isa == Isa::kAvx512 ? &spike_avx512<S, kUnit, kBackward, kGraded, kTheta>
           : isa == Isa::kAvx2 ? &spike_avx2<S, kUnit, kBackward, kGraded, kTheta>
                               : &spike_baseline<S, kUnit, kBackward, kGraded, kTheta>;
  } else {
    (void)isa;
    return &spike_baseline<S, kUnit, kBackward, kGraded, kTheta>;
  }
}
// The block function of a call (the backward never takes a series: it runs on u = v - θ, see shifted()).
template <typename S, bool kBackward, bool kGraded>
auto spike_variant(Isa isa, bool unit, bool theta) {
  if constexpr (kBackward) {
    return unit ? spike_isa<S, true, true, kGraded, false>(isa) : spike_isa<S, false, true, kGraded, false>(isa);
  } else {
    return unit ? (theta ? spike_isa<S, true, false, kGraded, true>(isa)
                         : spike_isa<S, true, false, kGraded, false>(isa))
                : (theta ? spike_isa<S, false, false, kGraded, true>(isa)
                         : spike_isa<S, false, false, kGraded, false>(isa));
  }
}

void check_voltage(const char* op, const Tensor& voltage, const Tensor& threshold_series) {
  check_float_series(op, "voltage", voltage);
  if (threshold_series.numel() != 0) check_series_like(op, "threshold_series", threshold_series, voltage);
}

template <bool kBackward>
Tensor run(const Tensor& voltage, const Tensor& grad, const Tensor& threshold_series, double threshold,
           double tau_rho, double scale_rho, bool graded, double scale) {
  const int64_t N = voltage.size(0), M = voltage.size(1), T = voltage.size(2);
  Tensor out = pooled_like(voltage);
  dispatch_float(voltage, [&](auto tag) {
    using S = decltype(tag);
    const Series<const S> none{nullptr, 0, 0, 0};
    const RealSpike<S> a{N,
                         M,
                         T,
                         {voltage.data_ptr<S>(), voltage.stride(0), voltage.stride(1), voltage.stride(2)},
                         kBackward ? Series<const S>{grad.data_ptr<S>(), grad.stride(0), grad.stride(1),
                                                     grad.stride(2)}
                                   : none,
                         threshold_series.defined() && threshold_series.numel() != 0
                             ? Series<const S>{threshold_series.data_ptr<S>(), threshold_series.stride(0),
                                               threshold_series.stride(1), threshold_series.stride(2)}
                             : none,
                         {out.data_ptr<S>(), out.stride(0), out.stride(1), out.stride(2)},
                         static_cast<S>(threshold),
                         static_cast<S>(scale),
                         static_cast<S>(1.0 / tau_rho),
                         static_cast<S>(scale_rho / (2.0 * tau_rho)),
                         static_cast<S>(scale_rho),
                         graded};
    const bool theta = a.theta.data != nullptr;
    const bool unit = a.voltage.sm == 1 && a.out.sm == 1 && (!kBackward || a.grad.sm == 1) &&
                      (!theta || a.theta.sm == 1);
    const Isa isa = selected_isa();
    const auto block = graded ? spike_variant<S, kBackward, true>(isa, unit, theta)
                              : spike_variant<S, kBackward, false>(isa, unit, theta);
    for_each_wide_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
  });
  return out;
}

Tensor real_spike_forward(const Tensor& voltage, const Tensor& threshold_series, double threshold, bool graded,
                          double scale) {
  check_voltage("slayer_cpu::real_spike_forward", voltage, threshold_series);
  return run<false>(voltage, Tensor(), threshold_series, threshold, 1.0, 1.0, graded, scale);
}

Tensor real_spike_backward(const Tensor& grad_output, const Tensor& voltage, const Tensor& threshold_series,
                           double threshold, double tau_rho, double scale_rho, bool graded) {
  const char* op = "slayer_cpu::real_spike_backward";
  check_voltage(op, voltage, threshold_series);
  check_series_like(op, "grad_output", grad_output, voltage);
  TORCH_CHECK(tau_rho > 0, op, ": tau_rho must be positive, got ", tau_rho);
  // the backward reads v only as u = v - θ: a series enters as one (vectorised) ATen subtraction, then θ = 0
  const bool series = threshold_series.numel() != 0;
  const Tensor distance = series ? at::sub(voltage, threshold_series) : voltage;
  return run<true>(distance, grad_output, Tensor(), series ? 0.0 : threshold, tau_rho, scale_rho, graded, 1.0);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(slayer_cpu, m) {
  m.def("real_spike_forward(Tensor voltage, Tensor threshold_series, float threshold, bool graded, float scale) -> "
        "Tensor");
  m.def(
      "real_spike_backward(Tensor grad_output, Tensor voltage, Tensor threshold_series, float threshold, "
      "float tau_rho, float scale_rho, bool graded) -> Tensor");
}

TORCH_LIBRARY_IMPL(slayer_cpu, CPU, m) {
  m.impl("real_spike_forward", &real_spike_forward);
  m.impl("real_spike_backward", &real_spike_backward);
}

}  // namespace slayer_cpu
