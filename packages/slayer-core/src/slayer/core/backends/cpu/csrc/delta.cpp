// Delta encoder of sigma-delta neurons (slayer.axon.Delta): the thresholded-difference recursion over time
// and its backward, registered as torch.ops.slayer_cpu.delta_forward / delta_backward (docs/backends.md).
// A file of its own (arithmetic and tensor glue together) so that the dynamics kernels stay untouched.
//
// Forward, per neuron, with x[-1] = previous_state, r[-1] = residual_state, e = error_state:
//   delta[t] = (x[t] - x[t-1]) + r[t-1]
//   send     = !(|delta[t]| < threshold)          (cum_error: e += delta[t]; send = !(|e| < threshold); e = 0 if sent)
//              (written as a negated < so that a NaN is sent and poisons its neuron instead of vanishing)
//   y[t]     = send ? delta[t] : 0;  r[t] = delta[t] - y[t]
//   out[t]   = floor(y[t] / step) * step          (slayer.utils.quantize, FLOOR; the residual keeps y unquantised)
// Backward: grad_input[t] = g[t] - g[t+1]; per-neuron threshold gradient summed over (N, T) of
//   excess = |delta| - threshold;  d = excess > 0 ? -delta * scale_grad * exp(-|excess| / tau_grad) / threshold
//                                                  : -sign(delta)
#include <ATen/EmptyTensor.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <vector>

#include "fixed_point.h"
#include "dispatch.h"
#include "isa.h"
#include "surrogate.h"
#include "output_pool.h"
#include "wide_blocks.h"

namespace slayer_cpu {
namespace {

using at::Tensor;

template <typename S>
struct DeltaForward {
  int64_t N, M, T;
  Series<const S> x;
  Plane<const S> threshold, previous_state, residual_state, error_state;
  Series<S> out, delta;
  Plane<S> next_previous, next_residual, next_error;
  S step;
};

template <typename S>
struct DeltaBackward {
  int64_t N, M, T;
  Series<const S> grad, delta;
  Plane<const S> threshold;
  S tau_grad, scale_grad;
  Series<S> grad_input;
  bool input_grad;
  S* grad_threshold;  // nullptr: not wanted
};

// kCum: cum_error; kPow2: step is a power of two, so y / step == y * (1 / step) exactly (vectorisable);
// kUnit: the input has unit neuron stride (the outputs always do); kVector: compiled for a vector ISA, where
// floor is an instruction, so every message is quantised without a branch (not sent: floor(+0) * step = +0,
// the same value the branch gives).
template <typename S, bool kCum, bool kPow2, bool kUnit, bool kVector>
SLAYER_INLINE void delta_forward_block(const DeltaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  S previous[kWide], residual[kWide], error[kWide], theta[kWide];
  for (int64_t j = 0; j < count; ++j) {
    previous[j] = a.previous_state(n, m0 + j);
    residual[j] = a.residual_state(n, m0 + j);
    error[j] = a.error_state(n, m0 + j);
    theta[j] = a.threshold(0, m0 + j);
  }
  const S step = a.step, inverse = S(1) / a.step;
  const int64_t xsm = kUnit ? 1 : a.x.sm, osm = kUnit ? 1 : a.out.sm, dsm = kUnit ? 1 : a.delta.sm;
  for (int64_t t = 0; t < a.T; ++t) {
    const S* __restrict__ xt = a.x.row(n, m0) + t * a.x.st;
    S* __restrict__ ot = a.out.row(n, m0) + t * a.out.st;
    S* __restrict__ dt = a.delta.row(n, m0) + t * a.delta.st;
    for (int64_t j = 0; j < count; ++j) {
      const S current = xt[j * xsm];
      const S delta = (current - previous[j]) + residual[j];
      bool send;
      if constexpr (kCum) {
        error[j] = error[j] + delta;
        send = !(std::abs(error[j]) < theta[j]);  // NaN is sent: it poisons its neuron
        error[j] = send ? S(0) : error[j];
      } else {
        send = !(std::abs(delta) < theta[j]);
      }
      const S message = send ? delta : S(0);
      residual[j] = delta - message;
      previous[j] = current;
      const S quantised = kPow2 ? std::floor(message * inverse) * step : std::floor(message / step) * step;
      if constexpr (kVector) {
        ot[j * osm] = quantised;
      } else {  // floor is a libm call in the baseline ISA: only for the (sparse) messages sent
        ot[j * osm] = send ? quantised : S(0);
      }
      dt[j * dsm] = delta;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    a.next_previous(n, m0 + j) = previous[j];
    a.next_residual(n, m0 + j) = residual[j];
    a.next_error(n, m0 + j) = error[j];
  }
}

// One block of neurons over every sample: the per-neuron threshold gradient is summed in a fixed order
// (n, then t), so it does not depend on the number of threads.
template <typename S, bool kUnit>
SLAYER_INLINE void delta_backward_block(const DeltaBackward<S>& a, int64_t m0, int64_t count) {
  double sums[kWide] = {};
  const S tau_grad = a.tau_grad, scale_grad = a.scale_grad;
  const int64_t gsm = kUnit ? 1 : a.grad.sm, dsm = kUnit ? 1 : a.delta.sm, ism = kUnit ? 1 : a.grad_input.sm;
  for (int64_t n = 0; n < a.N; ++n) {
    for (int64_t t = 0; t < a.T; ++t) {
      const S* __restrict__ gt = a.grad.row(n, m0) + t * a.grad.st;
      const S* __restrict__ dt = a.delta.row(n, m0) + t * a.delta.st;
      if (a.input_grad) {
        S* __restrict__ it = a.grad_input.row(n, m0) + t * a.grad_input.st;
        if (t + 1 < a.T) {
          const S* __restrict__ gn = gt + a.grad.st;
          for (int64_t j = 0; j < count; ++j) it[j * ism] = gt[j * gsm] - gn[j * gsm];
        } else {
          for (int64_t j = 0; j < count; ++j) it[j * ism] = gt[j * gsm] - S(0);
        }
      }
      if (a.grad_threshold != nullptr) {
        const S* __restrict__ theta = a.threshold.data + m0 * a.threshold.sm;
        const int64_t tsm = kUnit ? 1 : a.threshold.sm;
        S terms[kWide];  // the terms first (a branch-free float loop), then the double sums: both vectorise
        for (int64_t j = 0; j < count; ++j) {
          const S d = dt[j * dsm], level = theta[j * tsm];
          const S excess = std::abs(d) - level;
          const S sign = d > 0 ? S(1) : (d < 0 ? S(-1) : S(0));
          const S smooth = -d * scale_grad * exp_nonpositive(-std::abs(excess) / tau_grad) / level;
          terms[j] = (excess > 0 ? smooth : -sign) * gt[j * gsm];
        }
        for (int64_t j = 0; j < count; ++j) sums[j] += static_cast<double>(terms[j]);
      }
    }
  }
  if (a.grad_threshold != nullptr) {
    for (int64_t j = 0; j < count; ++j) a.grad_threshold[m0 + j] = static_cast<S>(sums[j]);
  }
}

// One instantiation per ISA (isa.h).
template <typename S, bool kCum, bool kPow2, bool kUnit>
SLAYER_TARGET_AVX512 void forward_avx512(const DeltaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  delta_forward_block<S, kCum, kPow2, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kCum, bool kPow2, bool kUnit>
SLAYER_TARGET_AVX2 void forward_avx2(const DeltaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  delta_forward_block<S, kCum, kPow2, kUnit, true>(a, n, m0, count);
}
template <typename S, bool kCum, bool kPow2, bool kUnit>
void forward_baseline(const DeltaForward<S>& a, int64_t n, int64_t m0, int64_t count) {
  delta_forward_block<S, kCum, kPow2, kUnit, false>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void backward_avx512(const DeltaBackward<S>& a, int64_t m0, int64_t count) {
  delta_backward_block<S, kUnit>(a, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void backward_avx2(const DeltaBackward<S>& a, int64_t m0, int64_t count) {
  delta_backward_block<S, kUnit>(a, m0, count);
}
template <typename S, bool kUnit>
void backward_baseline(const DeltaBackward<S>& a, int64_t m0, int64_t count) {
  delta_backward_block<S, kUnit>(a, m0, count);
}

template <typename S, bool kCum, bool kPow2, bool kUnit>
auto forward_variant(Isa isa) {
  // vector variants only where they pay: float32 on unit-stride rows (fewer instantiations, a shorter build)
  if constexpr (std::is_same_v<S, float> && kUnit) {
    return isa == Isa::kAvx512 ? &forward_avx512<S, kCum, kPow2, kUnit>
           : isa == Isa::kAvx2 ? &forward_avx2<S, kCum, kPow2, kUnit>
                               : &forward_baseline<S, kCum, kPow2, kUnit>;
  } else {
    (void)isa;
    return &forward_baseline<S, kCum, kPow2, kUnit>;
  }
}
template <typename S, bool kCum, bool kPow2>
auto forward_variant(Isa isa, bool unit) {
  return unit ? forward_variant<S, kCum, kPow2, true>(isa) : forward_variant<S, kCum, kPow2, false>(isa);
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

// -- tensor glue -------------------------------------------------------------------------------------

void check_series(const char* op, const char* name, const Tensor& x) {
  TORCH_CHECK(x.device().is_cpu(), op, ": ", name, " must be a CPU tensor, got ", x.device());
  TORCH_CHECK(x.dim() == 3, op, ": ", name, " must have shape (N, M, T), got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble, op, ": ", name,
              " must be float32 or float64, got ", x.scalar_type());
}

void check_shaped(const char* op, const char* name, const Tensor& x, at::IntArrayRef shape, const Tensor& like) {
  TORCH_CHECK(x.device().is_cpu(), op, ": ", name, " must be a CPU tensor, got ", x.device());
  TORCH_CHECK(x.sizes() == shape, op, ": ", name, " must have shape ", shape, ", got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), op, ": ", name, " must have dtype ", like.scalar_type(),
              ", got ", x.scalar_type());
}

template <typename S>
Series<const S> cseries(const Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1), x.stride(2)};
}
template <typename S>
Series<S> mseries(const Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1), x.stride(2)};
}
template <typename S, typename P = S>
Plane<P> plane(const Tensor& x) {
  return {x.data_ptr<S>(), x.dim() == 2 ? x.stride(0) : 0, x.stride(x.dim() - 1)};
}

// An (N, M, T) series in N T M storage (neuron-contiguous, as the other kernels' outputs of neuron-contiguous
// input), from the output pool (warm memory instead of fresh page faults every training step).
Tensor neuron_contiguous(int64_t N, int64_t M, int64_t T, c10::ScalarType dtype) {
  return at::detail::empty_strided_generic({N, M, T}, {T * M, 1, M}, output_pool(),
                                           c10::DispatchKeySet(c10::DispatchKey::CPU), dtype);
}

bool is_power_of_two(double step) {
  int exponent = 0;
  return std::frexp(step, &exponent) == 0.5;
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> delta_forward(const Tensor& input, const Tensor& threshold,
                                                                 const Tensor& previous_state,
                                                                 const Tensor& residual_state,
                                                                 const Tensor& error_state, double step,
                                                                 bool cum_error) {
  const char* op = "slayer_cpu::delta_forward";
  check_series(op, "input", input);
  const int64_t N = input.size(0), M = input.size(1), T = input.size(2);
  check_shaped(op, "threshold", threshold, {M}, input);
  for (const auto& [name, state] : {std::pair<const char*, const Tensor&>{"previous_state", previous_state},
                                    {"residual_state", residual_state},
                                    {"error_state", error_state}}) {
    check_shaped(op, name, state, {N, M}, input);
  }
  TORCH_CHECK(step > 0, op, ": step must be positive, got ", step);
  // neuron-contiguous outputs (time-last views of (N, T, M) memory): the synapses downstream fold time into
  // the batch, and the saved differences are read back in the same order
  Tensor output = neuron_contiguous(N, M, T, input.scalar_type());
  Tensor delta = neuron_contiguous(N, M, T, input.scalar_type());
  Tensor next_previous = at::empty({N, M}, input.options()), next_residual = at::empty({N, M}, input.options()),
         next_error = at::empty({N, M}, input.options());
  dispatch_float(input, [&](auto tag) {
    using S = decltype(tag);
    const DeltaForward<S> a{N,
                            M,
                            T,
                            cseries<S>(input),
                            plane<S, const S>(threshold),
                            plane<S, const S>(previous_state),
                            plane<S, const S>(residual_state),
                            plane<S, const S>(error_state),
                            mseries<S>(output),
                            mseries<S>(delta),
                            plane<S>(next_previous),
                            plane<S>(next_residual),
                            plane<S>(next_error),
                            static_cast<S>(step)};
    const bool pow2 = is_power_of_two(step) && static_cast<double>(static_cast<S>(step)) == step;
    const bool unit = a.x.sm == 1 && a.out.sm == 1 && a.delta.sm == 1;
    const Isa isa = selected_isa();
    const auto block = cum_error ? (pow2 ? forward_variant<S, true, true>(isa, unit)
                                         : forward_variant<S, true, false>(isa, unit))
                                 : (pow2 ? forward_variant<S, false, true>(isa, unit)
                                         : forward_variant<S, false, false>(isa, unit));
    for_each_wide_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
  });
  return {output, delta, next_previous, next_residual, next_error};
}

std::tuple<Tensor, Tensor> delta_backward(const Tensor& grad_output, const Tensor& delta, const Tensor& threshold,
                                          double tau_grad, double scale_grad, bool input_grad, bool threshold_grad) {
  const char* op = "slayer_cpu::delta_backward";
  check_series(op, "delta", delta);
  check_shaped(op, "grad_output", grad_output, delta.sizes(), delta);
  const int64_t N = delta.size(0), M = delta.size(1), T = delta.size(2);
  check_shaped(op, "threshold", threshold, {M}, delta);
  Tensor grad_input = input_grad ? neuron_contiguous(N, M, T, delta.scalar_type()) : at::empty({0}, delta.options());
  Tensor grad_threshold = threshold_grad ? at::empty({M}, delta.options()) : at::empty({0}, delta.options());
  dispatch_float(delta, [&](auto tag) {
    using S = decltype(tag);
    const DeltaBackward<S> a{N,
                             M,
                             T,
                             cseries<S>(grad_output),
                             cseries<S>(delta),
                             plane<S, const S>(threshold),
                             static_cast<S>(tau_grad),
                             static_cast<S>(scale_grad),
                             input_grad ? mseries<S>(grad_input) : Series<S>{nullptr, 0, 0, 0},
                             input_grad,
                             threshold_grad ? grad_threshold.data_ptr<S>() : nullptr};
    const bool unit = a.grad.sm == 1 && a.delta.sm == 1 && a.threshold.sm == 1 && (!input_grad || a.grad_input.sm == 1);
    const Isa isa = selected_isa();
    const auto block = unit ? backward_variant<S, true>(isa) : backward_variant<S, false>(isa);
    // blocks of neurons in parallel, each summing its own neurons' threshold gradients over n and t (the same
    // order whatever the width); as wide as the threads allow, up to whole rows of neuron-contiguous storage
    const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
    const int64_t width = std::clamp<int64_t>((M + threads - 1) / threads, kBlock, kWide);
    const int64_t blocks = (M + width - 1) / width;
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) block(a, b * width, std::min(width, M - b * width));
    });
  });
  return {grad_input, grad_threshold};
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(slayer_cpu, m) {
  m.def(
      "delta_forward(Tensor input, Tensor threshold, Tensor previous_state, Tensor residual_state, "
      "Tensor error_state, float step, bool cum_error) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "delta_backward(Tensor grad_output, Tensor delta, Tensor threshold, float tau_grad, float scale_grad, "
      "bool input_grad, bool threshold_grad) -> (Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(slayer_cpu, CPU, m) {
  m.impl("delta_forward", &delta_forward);
  m.impl("delta_backward", &delta_backward);
}

}  // namespace slayer_cpu
