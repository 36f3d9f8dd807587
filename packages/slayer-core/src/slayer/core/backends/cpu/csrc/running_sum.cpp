// The running sum over time of the sigma decoder (slayer.dendrite.Sigma) and its backward, registered as
// torch.ops.slayer_cpu.running_sum (docs/backends.md): out[t] = sum_{k<=t} x[k], or sum_{k>=t} x[k] with
// reverse (the gradient of the forward). Sums are kept in double and each output rounded once, as torch.cumsum
// does on the CPU, so the result equals the reference bit for bit; the loop over time runs outside a loop over
// a row of neurons, which vectorises on neuron-contiguous storage (torch's cumsum along a strided time axis, and
// the flip / cumsum / flip of its backward, walk the series several times).
#include <ATen/core/Tensor.h>
#include <torch/library.h>

#include <type_traits>

#include "dispatch.h"
#include "fixed_point.h"
#include "isa.h"
#include "output_pool.h"
#include "series_checks.h"
#include "wide_blocks.h"

namespace slayer_cpu {
namespace {

using at::Tensor;

template <typename S>
struct RunningSum {
  int64_t N, M, T;
  Series<const S> x;
  Series<S> out;
  bool reverse;
};

template <typename S, bool kUnit>
SLAYER_INLINE void sum_block(const RunningSum<S>& a, int64_t n, int64_t m0, int64_t count) {
  double sums[kWide] = {};
  const int64_t xs = kUnit ? 1 : a.x.sm, os = kUnit ? 1 : a.out.sm;
  for (int64_t step = 0; step < a.T; ++step) {
    const int64_t t = a.reverse ? a.T - 1 - step : step;
    const S* __restrict__ xt = a.x.row(n, m0) + t * a.x.st;
    S* __restrict__ ot = a.out.row(n, m0) + t * a.out.st;
    for (int64_t j = 0; j < count; ++j) {
      sums[j] += static_cast<double>(xt[j * xs]);
      ot[j * os] = static_cast<S>(sums[j]);
    }
  }
}

template <typename S, bool kUnit>
SLAYER_TARGET_AVX512 void sum_avx512(const RunningSum<S>& a, int64_t n, int64_t m0, int64_t count) {
  sum_block<S, kUnit>(a, n, m0, count);
}
template <typename S, bool kUnit>
SLAYER_TARGET_AVX2 void sum_avx2(const RunningSum<S>& a, int64_t n, int64_t m0, int64_t count) {
  sum_block<S, kUnit>(a, n, m0, count);
}
template <typename S, bool kUnit>
void sum_baseline(const RunningSum<S>& a, int64_t n, int64_t m0, int64_t count) {
  sum_block<S, kUnit>(a, n, m0, count);
}
template <typename S, bool kUnit>
auto sum_variant(Isa isa) {
  if constexpr (std::is_same_v<S, float> && kUnit) {  // vector variants only where they pay (a shorter build)
    return isa == Isa::kAvx512 ? &sum_avx512<S, kUnit> : isa == Isa::kAvx2 ? &sum_avx2<S, kUnit>
                                                                            : &sum_baseline<S, kUnit>;
  } else {
    (void)isa;
    return &sum_baseline<S, kUnit>;
  }
}

Tensor running_sum(const Tensor& input, bool reverse) {
  const char* op = "slayer_cpu::running_sum";
  check_float_series(op, "input", input);
  const int64_t N = input.size(0), M = input.size(1), T = input.size(2);
  Tensor output = pooled_like(input);
  dispatch_float(input, [&](auto tag) {
    using S = decltype(tag);
    const RunningSum<S> a{N,
                          M,
                          T,
                          {input.data_ptr<S>(), input.stride(0), input.stride(1), input.stride(2)},
                          {output.data_ptr<S>(), output.stride(0), output.stride(1), output.stride(2)},
                          reverse};
    const bool unit = a.x.sm == 1 && a.out.sm == 1;
    const auto block = unit ? sum_variant<S, true>(selected_isa()) : sum_variant<S, false>(selected_isa());
    for_each_wide_block(N, M, T, [&](int64_t n, int64_t m0, int64_t count) { block(a, n, m0, count); });
  });
  return output;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(slayer_cpu, m) { m.def("running_sum(Tensor input, bool reverse) -> Tensor"); }

TORCH_LIBRARY_IMPL(slayer_cpu, CPU, m) { m.impl("running_sum", &running_sum); }

}  // namespace slayer_cpu
