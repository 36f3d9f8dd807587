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
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <tuple>
#include <type_traits>
#include <vector>

#include "fixed_point.h"
#include "dispatch.h"
#include "output_pool.h"

namespace slayer_cpu {
namespace {

using at::Tensor;

// kCum: cum_error; kPow2: step is a power of two, so y / step == y * (1 / step) exactly (vectorisable).
template <typename S, bool kCum, bool kPow2>
void delta_forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<const S>& x,
                         const Plane<const S>& threshold, const Plane<const S>& previous_state,
                         const Plane<const S>& residual_state, const Plane<const S>& error_state,
                         const Series<S>& out, const Series<S>& delta_out, const Plane<S>& next_previous,
                         const Plane<S>& next_residual, const Plane<S>& next_error, S step) {
  S previous[kBlock], residual[kBlock], error[kBlock], theta[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    previous[j] = previous_state(n, m0 + j);
    residual[j] = residual_state(n, m0 + j);
    error[j] = error_state(n, m0 + j);
    theta[j] = threshold(0, m0 + j);
  }
  const S inverse = S(1) / step;
  for (int64_t t = 0; t < T; ++t) {
    const S* __restrict__ xt = x.row(n, m0) + t * x.st;
    S* __restrict__ ot = out.row(n, m0) + t * out.st;
    S* __restrict__ dt = delta_out.row(n, m0) + t * delta_out.st;
    const int64_t xsm = x.sm, osm = out.sm, dsm = delta_out.sm;
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
      // floor is a libm call in the baseline ISA: only for the (sparse) messages sent; floor(0) * step is +0
      ot[j * osm] = !send ? S(0) : kPow2 ? std::floor(message * inverse) * step : std::floor(message / step) * step;
      dt[j * dsm] = delta;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    next_previous(n, m0 + j) = previous[j];
    next_residual(n, m0 + j) = residual[j];
    next_error(n, m0 + j) = error[j];
  }
}

// One block of neurons over every sample: the per-neuron threshold gradient is summed in a fixed order
// (n, then t), so it does not depend on the number of threads.
template <typename S>
void delta_backward_block(int64_t m0, int64_t count, int64_t N, int64_t T, const Series<const S>& grad,
                          const Series<const S>& delta, const Plane<const S>& threshold, S tau_grad, S scale_grad,
                          const Series<S>& grad_input, bool input_grad, S* grad_threshold) {
  double sums[kBlock] = {};
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t t = 0; t < T; ++t) {
      const S* gt = grad.row(n, m0) + t * grad.st;
      const S* dt = delta.row(n, m0) + t * delta.st;
      if (input_grad) {
        S* it = grad_input.row(n, m0) + t * grad_input.st;
        for (int64_t j = 0; j < count; ++j) {
          const S next = t + 1 < T ? gt[j * grad.sm + grad.st] : S(0);
          it[j * grad_input.sm] = gt[j * grad.sm] - next;
        }
      }
      if (grad_threshold != nullptr) {
        for (int64_t j = 0; j < count; ++j) {
          const S d = dt[j * delta.sm], theta = threshold(0, m0 + j);
          const S excess = std::abs(d) - theta;
          const S sign = d > 0 ? S(1) : (d < 0 ? S(-1) : S(0));
          const S slope = excess > 0 ? -d * scale_grad * std::exp(-std::abs(excess) / tau_grad) / theta : -sign;
          sums[j] += static_cast<double>(slope * gt[j * grad.sm]);
        }
      }
    }
  }
  if (grad_threshold != nullptr) {
    for (int64_t j = 0; j < count; ++j) grad_threshold[m0 + j] = static_cast<S>(sums[j]);
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
    const auto x = cseries<S>(input);
    const auto out = mseries<S>(output), deltas = mseries<S>(delta);
    const auto theta = plane<S, const S>(threshold), prev = plane<S, const S>(previous_state),
               res = plane<S, const S>(residual_state), err = plane<S, const S>(error_state);
    const auto next_p = plane<S>(next_previous), next_r = plane<S>(next_residual), next_e = plane<S>(next_error);
    const bool pow2 = is_power_of_two(step) && static_cast<double>(static_cast<S>(step)) == step;
    const auto run = [&](auto cum, auto pow) {
      for_each_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) {
        delta_forward_block<S, decltype(cum)::value, decltype(pow)::value>(
            n, m0, count, T, x, theta, prev, res, err, out, deltas, next_p, next_r, next_e, static_cast<S>(step));
      });
    };
    if (cum_error) {
      pow2 ? run(std::true_type{}, std::true_type{}) : run(std::true_type{}, std::false_type{});
    } else {
      pow2 ? run(std::false_type{}, std::true_type{}) : run(std::false_type{}, std::false_type{});
    }
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
    const auto g = cseries<S>(grad_output), d = cseries<S>(delta);
    const auto theta = plane<S, const S>(threshold);
    const Series<S> gi = input_grad ? mseries<S>(grad_input) : Series<S>{nullptr, 0, 0, 0};
    S* gt = threshold_grad ? grad_threshold.data_ptr<S>() : nullptr;
    const int64_t blocks = (M + kBlock - 1) / kBlock;
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, kBlock * N * T));
    at::parallel_for(0, blocks, grain, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const int64_t m0 = b * kBlock;
        delta_backward_block<S>(m0, std::min(kBlock, M - m0), N, T, g, d, theta, static_cast<S>(tau_grad),
                                static_cast<S>(scale_grad), gi, input_grad, gt);
      }
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
