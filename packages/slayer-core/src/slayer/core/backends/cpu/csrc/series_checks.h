// Argument checks shared by the tensor glue of the elementwise kernels (phase_spike.cpp, real_spike.cpp).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

namespace slayer_cpu {

// x is a CPU tensor with like's shape and dtype; the error names the op and the argument.
inline void check_series_like(const char* op, const char* name, const at::Tensor& x, const at::Tensor& like) {
  TORCH_CHECK(x.device().is_cpu(), op, ": ", name, " must be a CPU tensor, got ", x.device());
  TORCH_CHECK(x.sizes() == like.sizes(), op, ": ", name, " must have shape ", like.sizes(), ", got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), op, ": ", name, " must have dtype ", like.scalar_type(),
              ", got ", x.scalar_type());
}

// x is an (N, M, T) float32/float64 CPU series.
inline void check_float_series(const char* op, const char* name, const at::Tensor& x) {
  TORCH_CHECK(x.device().is_cpu(), op, ": ", name, " must be a CPU tensor, got ", x.device());
  TORCH_CHECK(x.dim() == 3, op, ": ", name, " must have shape (N, M, T), got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble, op, ": ", name,
              " must be float32 or float64, got ", x.scalar_type());
}

}  // namespace slayer_cpu
