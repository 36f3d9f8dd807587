// The float32/float64 dispatch shared by the files that handle tensors (ops.cpp, delta.cpp).
#pragma once

#include <ATen/core/Tensor.h>

namespace slayer_cpu {

// body(float{}) or body(double{}) by the dtype of `like` (checked to be one of the two by the caller).
template <typename F>
void dispatch_float(const at::Tensor& like, const F& body) {
  if (like.scalar_type() == at::kDouble) {
    body(double{});
  } else {
    body(float{});
  }
}

}  // namespace slayer_cpu
