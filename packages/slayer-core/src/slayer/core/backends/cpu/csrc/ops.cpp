// The tensor side of the cpu backend: argument checks, outputs laid out like the input, and the one
// operator library torch.ops.slayer_cpu.<kernel> (TORCH_LIBRARY; no Python bindings are compiled).
// Names, arguments and results follow docs/backends.md; the arithmetic lives in the kernel files.
#include <ATen/EmptyTensor.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/util/strides.h>
#include <torch/library.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "isa.h"
#include "kernels.h"
#include "output_pool.h"

#if SLAYER_ISA_DISPATCH
#include <immintrin.h>
#endif

namespace slayer_cpu {
namespace {

using at::Tensor;

// -- checks -------------------------------------------------------------------------------------

void check_cpu(const char* op, const char* name, const Tensor& x) {
  TORCH_CHECK(x.device().is_cpu(), op, ": ", name, " must be a CPU tensor, got ", x.device());
}

// The (N, M, T) series every other argument is checked against; float32 or float64.
void check_series(const char* op, const char* name, const Tensor& x) {
  check_cpu(op, name, x);
  TORCH_CHECK(x.dim() == 3, op, ": ", name, " must have shape (N, M, T), got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble, op, ": ", name,
              " must be float32 or float64, got ", x.scalar_type());
}

void check_like(const char* op, const char* name, const Tensor& x, const Tensor& like) {
  check_cpu(op, name, x);
  TORCH_CHECK(x.sizes() == like.sizes(), op, ": ", name, " must have shape ", like.sizes(), ", got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), op, ": ", name, " must have dtype ", like.scalar_type(),
              ", got ", x.scalar_type());
}

void check_events(const char* op, const Tensor& events, const Tensor& like) {
  check_cpu(op, "events", events);
  TORCH_CHECK(events.sizes() == like.sizes() && events.scalar_type() == at::kBool, op,
              ": events must be a bool tensor of shape ", like.sizes(), ", got ", events.scalar_type(), " ",
              events.sizes());
}

void check_plane(const char* op, const char* name, const Tensor& x, const Tensor& like) {
  check_cpu(op, name, x);
  const int64_t N = like.size(0), M = like.size(1);
  TORCH_CHECK(x.dim() == 2 && x.size(0) == N && x.size(1) == M, op, ": ", name, " must have shape (", N, ", ", M,
              "), got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), op, ": ", name, " must have dtype ", like.scalar_type(),
              ", got ", x.scalar_type());
}

void check_parameter(const char* op, const char* name, const Tensor& x, const Tensor& like) {
  check_cpu(op, name, x);
  const int64_t M = like.size(1);
  TORCH_CHECK(x.dim() == 1 && x.size(0) == M, op, ": ", name, " must have shape (", M, ",), got ", x.sizes());
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), op, ": ", name, " must have dtype ", like.scalar_type(),
              ", got ", x.scalar_type());
}

// -- tensors -> raw views -------------------------------------------------------------------------

template <typename T>
Series<T> series(const Tensor& x) {
  return {x.data_ptr<T>(), x.stride(0), x.stride(1), x.stride(2)};
}

Series<bool> events_series(const Tensor& events, bool present) {
  return present ? series<bool>(events) : Series<bool>{nullptr, 0, 0, 0};
}

template <typename T>
Plane<T> plane(const Tensor& x) {
  return {x.data_ptr<T>(), x.dim() == 2 ? x.stride(0) : 0, x.stride(x.dim() - 1)};
}

// An output series laid out like `like` (neuron-contiguous input -> neuron-contiguous output, as empty_like
// with preserve_format), from the output pool (output_pool.h).
Tensor series_like(const Tensor& like, c10::ScalarType dtype) {
  const c10::DimVector strides =
      like.is_non_overlapping_and_dense() ? c10::DimVector(like.strides()) : c10::contiguous_strides(like.sizes());
  return at::detail::empty_strided_generic(like.sizes(), strides, output_pool(),
                                           c10::DispatchKeySet(c10::DispatchKey::CPU), dtype);
}

Tensor plane_like(const Tensor& like) { return at::empty({like.size(0), like.size(1)}, like.options()); }

Tensor no_events(const Tensor& like) { return at::empty({0}, like.options().dtype(at::kBool)); }

template <typename F>
void dispatch_float(const Tensor& like, const F& body) {
  if (like.scalar_type() == at::kDouble) {
    body(double{});
  } else {
    body(float{});
  }
}

template <typename S>
S ratio(int64_t numerator, int64_t denominator) {
  return static_cast<S>(static_cast<double>(numerator) / static_cast<double>(denominator));
}

// -- leaky integrator -----------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> leaky_integrator_forward(const Tensor& x, const Tensor& decay, const Tensor& state,
                                                            bool reset, int64_t threshold, int64_t s_scale) {
  const char* op = "slayer_cpu::leaky_integrator_forward";
  check_series(op, "x", x);
  check_parameter(op, "decay", decay, x);
  check_plane(op, "state", state, x);
  Tensor output = series_like(x, x.scalar_type());
  Tensor events = reset ? series_like(x, at::kBool) : no_events(x);
  Tensor next_state = plane_like(x);
  dispatch_float(x, [&](auto tag) {
    using S = decltype(tag);
    run(LeakyIntegratorForward<S>{x.size(0), x.size(1), x.size(2), series<S>(x), series<S>(output),
                                  events_series(events, reset), plane<S>(decay), plane<S>(state), plane<S>(next_state),
                                  reset, threshold, static_cast<S>(s_scale)});
  });
  return {output, next_state, events};
}

std::tuple<Tensor, Tensor, Tensor> leaky_integrator_backward(const Tensor& grad_output, const Tensor& grad_next_state,
                                                             const Tensor& output, const Tensor& events,
                                                             const Tensor& decay, const Tensor& state, bool reset,
                                                             int64_t threshold, int64_t s_scale) {
  (void)threshold;
  (void)s_scale;
  const char* op = "slayer_cpu::leaky_integrator_backward";
  check_series(op, "output", output);
  check_like(op, "grad_output", grad_output, output);
  if (reset) check_events(op, events, output);
  check_parameter(op, "decay", decay, output);
  check_plane(op, "state", state, output);
  check_plane(op, "grad_next_state", grad_next_state, output);
  Tensor grad_input = series_like(output, output.scalar_type());
  Tensor grad_decay = plane_like(output), grad_state = plane_like(output);
  dispatch_float(output, [&](auto tag) {
    using S = decltype(tag);
    run(LeakyIntegratorBackward<S>{output.size(0), output.size(1), output.size(2), series<S>(grad_output),
                                   series<S>(output), events_series(events, reset), plane<S>(grad_next_state),
                                   plane<S>(decay), plane<S>(state), series<S>(grad_input), plane<S>(grad_decay),
                                   plane<S>(grad_state), reset});
  });
  return {grad_input, grad_decay, grad_state};
}

// -- resonator ------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> resonator_forward(const Tensor& real, const Tensor& imag,
                                                                     const Tensor& sin_decay, const Tensor& cos_decay,
                                                                     const Tensor& real_state,
                                                                     const Tensor& imag_state, bool reset,
                                                                     int64_t threshold, int64_t s_scale) {
  const char* op = "slayer_cpu::resonator_forward";
  check_series(op, "real", real);
  check_like(op, "imag", imag, real);
  check_parameter(op, "sin_decay", sin_decay, real);
  check_parameter(op, "cos_decay", cos_decay, real);
  check_plane(op, "real_state", real_state, real);
  check_plane(op, "imag_state", imag_state, real);
  Tensor out_re = series_like(real, real.scalar_type()), out_im = series_like(imag, real.scalar_type());
  Tensor events = reset ? series_like(real, at::kBool) : no_events(real);
  Tensor next_re = plane_like(real), next_im = plane_like(real);
  dispatch_float(real, [&](auto tag) {
    using S = decltype(tag);
    run(ResonatorForward<S>{real.size(0), real.size(1), real.size(2), series<S>(real), series<S>(imag),
                            series<S>(out_re), series<S>(out_im), events_series(events, reset), plane<S>(sin_decay),
                            plane<S>(cos_decay), plane<S>(real_state), plane<S>(imag_state), plane<S>(next_re),
                            plane<S>(next_im), reset, threshold, static_cast<S>(s_scale)});
  });
  return {out_re, out_im, next_re, next_im, events};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> resonator_backward(
    const Tensor& grad_real, const Tensor& grad_imag, const Tensor& grad_next_real, const Tensor& grad_next_imag,
    const Tensor& real_out, const Tensor& imag_out, const Tensor& events, const Tensor& sin_decay,
    const Tensor& cos_decay, const Tensor& real_state, const Tensor& imag_state, bool reset, int64_t threshold,
    int64_t s_scale) {
  const char* op = "slayer_cpu::resonator_backward";
  check_series(op, "real_out", real_out);
  check_like(op, "imag_out", imag_out, real_out);
  check_like(op, "grad_real", grad_real, real_out);
  check_like(op, "grad_imag", grad_imag, real_out);
  if (reset) check_events(op, events, real_out);
  check_parameter(op, "sin_decay", sin_decay, real_out);
  check_parameter(op, "cos_decay", cos_decay, real_out);
  check_plane(op, "real_state", real_state, real_out);
  check_plane(op, "imag_state", imag_state, real_out);
  check_plane(op, "grad_next_real", grad_next_real, real_out);
  check_plane(op, "grad_next_imag", grad_next_imag, real_out);
  const auto dtype = real_out.scalar_type();
  Tensor gx_re = series_like(real_out, dtype), gx_im = series_like(imag_out, dtype);
  Tensor g_sin = plane_like(real_out), g_cos = plane_like(real_out);
  Tensor g_re0 = plane_like(real_out), g_im0 = plane_like(real_out);
  dispatch_float(real_out, [&](auto tag) {
    using S = decltype(tag);
    run(ResonatorBackward<S>{real_out.size(0), real_out.size(1), real_out.size(2), series<S>(grad_real),
                             series<S>(grad_imag), series<S>(real_out), series<S>(imag_out),
                             events_series(events, reset), plane<S>(grad_next_real), plane<S>(grad_next_imag),
                             plane<S>(sin_decay), plane<S>(cos_decay), plane<S>(real_state), plane<S>(imag_state),
                             series<S>(gx_re), series<S>(gx_im), plane<S>(g_sin), plane<S>(g_cos), plane<S>(g_re0),
                             plane<S>(g_im0), reset, ratio<S>(threshold - 1, s_scale)});
  });
  return {gx_re, gx_im, g_sin, g_cos, g_re0, g_im0};
}

// -- adaptive threshold ---------------------------------------------------------------------------

void check_threshold_inputs(const char* op, const Tensor& like, const Tensor& ref_decay, const Tensor& th_decay,
                            const Tensor& ref_state, const Tensor& th_state) {
  check_parameter(op, "ref_decay", ref_decay, like);
  check_parameter(op, "th_decay", th_decay, like);
  check_plane(op, "ref_state", ref_state, like);
  check_plane(op, "th_state", th_state, like);
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> adaptive_threshold_forward(
    const Tensor& voltage, const Tensor& ref_decay, const Tensor& th_decay, const Tensor& ref_state,
    const Tensor& th_state, int64_t th_step, int64_t th0, int64_t s_scale) {
  const char* op = "slayer_cpu::adaptive_threshold_forward";
  check_series(op, "voltage", voltage);
  check_threshold_inputs(op, voltage, ref_decay, th_decay, ref_state, th_state);
  const auto dtype = voltage.scalar_type();
  Tensor th_out = series_like(voltage, dtype), r_out = series_like(voltage, dtype);
  Tensor events = series_like(voltage, at::kBool);
  Tensor next_r = plane_like(voltage), next_th = plane_like(voltage);
  dispatch_float(voltage, [&](auto tag) {
    using S = decltype(tag);
    run(AdaptiveThresholdForward<S>{voltage.size(0), voltage.size(1), voltage.size(2), series<S>(voltage),
                                    series<S>(th_out), series<S>(r_out), series<bool>(events), plane<S>(ref_decay),
                                    plane<S>(th_decay), plane<S>(ref_state), plane<S>(th_state), plane<S>(next_r),
                                    plane<S>(next_th), th_step, th0, static_cast<S>(s_scale)});
  });
  return {th_out, r_out, next_r, next_th, events};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> adaptive_phase_threshold_forward(
    const Tensor& real, const Tensor& imag, const Tensor& ref_decay, const Tensor& th_decay, const Tensor& imag_state,
    const Tensor& ref_state, const Tensor& th_state, int64_t th_step, int64_t th0, int64_t s_scale) {
  const char* op = "slayer_cpu::adaptive_phase_threshold_forward";
  check_series(op, "real", real);
  check_like(op, "imag", imag, real);
  check_threshold_inputs(op, real, ref_decay, th_decay, ref_state, th_state);
  check_plane(op, "imag_state", imag_state, real);
  const auto dtype = real.scalar_type();
  Tensor th_out = series_like(real, dtype), r_out = series_like(real, dtype);
  Tensor events = series_like(real, at::kBool);
  Tensor next_r = plane_like(real), next_th = plane_like(real);
  dispatch_float(real, [&](auto tag) {
    using S = decltype(tag);
    run(AdaptivePhaseThresholdForward<S>{real.size(0), real.size(1), real.size(2), series<S>(real), series<S>(imag),
                                         series<S>(th_out), series<S>(r_out), series<bool>(events),
                                         plane<S>(ref_decay), plane<S>(th_decay), plane<S>(imag_state),
                                         plane<S>(ref_state), plane<S>(th_state), plane<S>(next_r), plane<S>(next_th),
                                         th_step, th0, static_cast<S>(s_scale)});
  });
  return {th_out, r_out, next_r, next_th, events};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> adaptive_threshold_backward(
    const Tensor& grad_threshold, const Tensor& grad_refractory, const Tensor& grad_next_ref,
    const Tensor& grad_next_th, const Tensor& threshold_out, const Tensor& refractory_out, const Tensor& events,
    const Tensor& ref_decay, const Tensor& th_decay, const Tensor& ref_state, const Tensor& th_state,
    int64_t th_step, int64_t th0, int64_t s_scale) {
  const char* op = "slayer_cpu::adaptive_threshold_backward";
  check_series(op, "threshold_out", threshold_out);
  check_like(op, "refractory_out", refractory_out, threshold_out);
  check_like(op, "grad_threshold", grad_threshold, threshold_out);
  check_like(op, "grad_refractory", grad_refractory, threshold_out);
  check_events(op, events, threshold_out);
  check_threshold_inputs(op, threshold_out, ref_decay, th_decay, ref_state, th_state);
  check_plane(op, "grad_next_ref", grad_next_ref, threshold_out);
  check_plane(op, "grad_next_th", grad_next_th, threshold_out);
  Tensor g_ref = plane_like(threshold_out), g_th = plane_like(threshold_out);
  Tensor g_r0 = plane_like(threshold_out), g_t0 = plane_like(threshold_out);
  dispatch_float(threshold_out, [&](auto tag) {
    using S = decltype(tag);
    run(AdaptiveThresholdBackward<S>{threshold_out.size(0), threshold_out.size(1), threshold_out.size(2),
                                     series<S>(grad_threshold), series<S>(grad_refractory), series<S>(threshold_out),
                                     series<S>(refractory_out), series<bool>(events), plane<S>(grad_next_ref),
                                     plane<S>(grad_next_th), plane<S>(ref_decay), plane<S>(th_decay),
                                     plane<S>(ref_state), plane<S>(th_state), ratio<S>(th0, s_scale),
                                     ratio<S>(th_step, s_scale), plane<S>(g_ref), plane<S>(g_th), plane<S>(g_r0),
                                     plane<S>(g_t0)});
  });
  return {g_ref, g_th, g_r0, g_t0};
}

// -- adaptive resonator ---------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> adaptive_resonator_forward(
    const Tensor& real, const Tensor& imag, const Tensor& sin_decay, const Tensor& cos_decay, const Tensor& ref_decay,
    const Tensor& th_decay, const Tensor& real_state, const Tensor& imag_state, const Tensor& ref_state,
    const Tensor& th_state, int64_t th_step, int64_t th0, int64_t s_scale) {
  const char* op = "slayer_cpu::adaptive_resonator_forward";
  check_series(op, "real", real);
  check_like(op, "imag", imag, real);
  check_parameter(op, "sin_decay", sin_decay, real);
  check_parameter(op, "cos_decay", cos_decay, real);
  check_threshold_inputs(op, real, ref_decay, th_decay, ref_state, th_state);
  check_plane(op, "real_state", real_state, real);
  check_plane(op, "imag_state", imag_state, real);
  const auto dtype = real.scalar_type();
  Tensor out_re = series_like(real, dtype), out_im = series_like(imag, dtype);
  Tensor th_out = series_like(real, dtype), r_out = series_like(real, dtype);
  Tensor events = series_like(real, at::kBool);
  Tensor next_re = plane_like(real), next_im = plane_like(real), next_r = plane_like(real), next_th = plane_like(real);
  dispatch_float(real, [&](auto tag) {
    using S = decltype(tag);
    run(AdaptiveResonatorForward<S>{
        real.size(0), real.size(1), real.size(2), series<S>(real), series<S>(imag), series<S>(out_re),
        series<S>(out_im), series<S>(th_out), series<S>(r_out), series<bool>(events), plane<S>(sin_decay),
        plane<S>(cos_decay), plane<S>(ref_decay), plane<S>(th_decay), plane<S>(real_state), plane<S>(imag_state),
        plane<S>(ref_state), plane<S>(th_state), plane<S>(next_re), plane<S>(next_im), plane<S>(next_r),
        plane<S>(next_th), th_step, th0, static_cast<S>(s_scale)});
  });
  return {out_re, out_im, th_out, r_out, next_re, next_im, next_r, next_th, events};
}

// -- fused CUBA and ALIF neurons ------------------------------------------------------------------

// An optional gradient series: empty (numel 0) means "no gradient" (a null Series).
template <typename S>
Series<S> optional_series(const Tensor& grad) {
  return grad.numel() ? series<S>(grad) : Series<S>{nullptr, 0, 0, 0};
}

void check_optional_like(const char* op, const char* name, const Tensor& x, const Tensor& like) {
  if (x.numel()) check_like(op, name, x, like);
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> cuba_forward(const Tensor& x, const Tensor& current_decay,
                                                                const Tensor& voltage_decay,
                                                                const Tensor& current_state,
                                                                const Tensor& voltage_state, int64_t threshold,
                                                                double spike_threshold, bool graded,
                                                                int64_t s_scale) {
  const char* op = "slayer_cpu::cuba_forward";
  check_series(op, "x", x);
  check_parameter(op, "current_decay", current_decay, x);
  check_parameter(op, "voltage_decay", voltage_decay, x);
  check_plane(op, "current_state", current_state, x);
  check_plane(op, "voltage_state", voltage_state, x);
  const auto dtype = x.scalar_type();
  Tensor spikes = series_like(x, dtype), voltage = series_like(x, dtype), events = series_like(x, at::kBool);
  Tensor next_c = plane_like(x), next_v = plane_like(x);
  dispatch_float(x, [&](auto tag) {
    using S = decltype(tag);
    run(CubaForward<S>{x.size(0), x.size(1), x.size(2), series<S>(x), series<S>(spikes), series<S>(voltage),
                       series<bool>(events), plane<S>(current_decay), plane<S>(voltage_decay),
                       plane<S>(current_state), plane<S>(voltage_state), plane<S>(next_c), plane<S>(next_v),
                       threshold, static_cast<S>(spike_threshold), graded, static_cast<S>(s_scale)});
  });
  return {spikes, voltage, next_c, next_v, events};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> cuba_backward(
    const Tensor& grad_spikes, const Tensor& grad_voltage, const Tensor& grad_next_current,
    const Tensor& grad_next_voltage, const Tensor& x, const Tensor& voltage, const Tensor& events,
    const Tensor& current_decay, const Tensor& voltage_decay, const Tensor& current_state,
    const Tensor& voltage_state, double spike_threshold, double tau_rho, double scale_rho, bool graded,
    int64_t s_scale) {
  const char* op = "slayer_cpu::cuba_backward";
  check_series(op, "voltage", voltage);
  check_like(op, "x", x, voltage);
  check_like(op, "grad_spikes", grad_spikes, voltage);
  check_optional_like(op, "grad_voltage", grad_voltage, voltage);
  check_events(op, events, voltage);
  check_parameter(op, "current_decay", current_decay, voltage);
  check_parameter(op, "voltage_decay", voltage_decay, voltage);
  check_plane(op, "current_state", current_state, voltage);
  check_plane(op, "voltage_state", voltage_state, voltage);
  check_plane(op, "grad_next_current", grad_next_current, voltage);
  check_plane(op, "grad_next_voltage", grad_next_voltage, voltage);
  Tensor grad_x = series_like(x, voltage.scalar_type());
  Tensor g_cd = plane_like(voltage), g_vd = plane_like(voltage), g_cs = plane_like(voltage),
         g_vs = plane_like(voltage);
  dispatch_float(voltage, [&](auto tag) {
    using S = decltype(tag);
    run(CubaBackward<S>{voltage.size(0), voltage.size(1), voltage.size(2), series<S>(grad_spikes),
                        optional_series<S>(grad_voltage), series<S>(x), series<S>(voltage), series<bool>(events),
                        plane<S>(grad_next_current), plane<S>(grad_next_voltage), plane<S>(current_decay),
                        plane<S>(voltage_decay), plane<S>(current_state), plane<S>(voltage_state),
                        static_cast<S>(spike_threshold), static_cast<S>(tau_rho), static_cast<S>(scale_rho), graded,
                        static_cast<S>(s_scale), series<S>(grad_x), plane<S>(g_cd), plane<S>(g_vd), plane<S>(g_cs),
                        plane<S>(g_vs)});
  });
  return {grad_x, g_cd, g_vd, g_cs, g_vs};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> alif_forward(
    const Tensor& x, const Tensor& current_decay, const Tensor& voltage_decay, const Tensor& ref_decay,
    const Tensor& th_decay, const Tensor& current_state, const Tensor& voltage_state, const Tensor& ref_state,
    const Tensor& th_state, int64_t th_step, int64_t th0, bool graded, int64_t s_scale) {
  const char* op = "slayer_cpu::alif_forward";
  check_series(op, "x", x);
  check_parameter(op, "current_decay", current_decay, x);
  check_parameter(op, "voltage_decay", voltage_decay, x);
  check_plane(op, "current_state", current_state, x);
  check_plane(op, "voltage_state", voltage_state, x);
  check_threshold_inputs(op, x, ref_decay, th_decay, ref_state, th_state);
  const auto dtype = x.scalar_type();
  Tensor spikes = series_like(x, dtype), current = series_like(x, dtype), voltage = series_like(x, dtype);
  Tensor th_out = series_like(x, dtype), r_out = series_like(x, dtype), events = series_like(x, at::kBool);
  Tensor next_c = plane_like(x), next_v = plane_like(x), next_r = plane_like(x), next_th = plane_like(x);
  dispatch_float(x, [&](auto tag) {
    using S = decltype(tag);
    run(AlifForward<S>{x.size(0), x.size(1), x.size(2), series<S>(x), series<S>(spikes), series<S>(current),
                       series<S>(voltage), series<S>(th_out), series<S>(r_out), series<bool>(events),
                       plane<S>(current_decay), plane<S>(voltage_decay), plane<S>(ref_decay), plane<S>(th_decay),
                       plane<S>(current_state), plane<S>(voltage_state), plane<S>(ref_state), plane<S>(th_state),
                       plane<S>(next_c), plane<S>(next_v), plane<S>(next_r), plane<S>(next_th), th_step, th0,
                       graded, static_cast<S>(s_scale)});
  });
  return {spikes, current, voltage, th_out, r_out, next_c, next_v, next_r, next_th, events};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> alif_backward(
    const Tensor& grad_spikes, const Tensor& grad_voltage, const Tensor& grad_next_current,
    const Tensor& grad_next_voltage, const Tensor& grad_next_ref, const Tensor& grad_next_th, const Tensor& current,
    const Tensor& voltage, const Tensor& threshold_out, const Tensor& refractory_out, const Tensor& events,
    const Tensor& current_decay, const Tensor& voltage_decay, const Tensor& ref_decay, const Tensor& th_decay,
    const Tensor& current_state, const Tensor& voltage_state, const Tensor& ref_state, const Tensor& th_state,
    int64_t th_step, int64_t th0, double tau_rho, double scale_rho, bool graded, int64_t s_scale) {
  const char* op = "slayer_cpu::alif_backward";
  check_series(op, "voltage", voltage);
  for (const auto& [name, t] : {std::pair<const char*, const Tensor&>{"current", current},
                                {"threshold_out", threshold_out},
                                {"refractory_out", refractory_out},
                                {"grad_spikes", grad_spikes}}) {
    check_like(op, name, t, voltage);
  }
  check_optional_like(op, "grad_voltage", grad_voltage, voltage);
  check_events(op, events, voltage);
  check_parameter(op, "current_decay", current_decay, voltage);
  check_parameter(op, "voltage_decay", voltage_decay, voltage);
  check_threshold_inputs(op, voltage, ref_decay, th_decay, ref_state, th_state);
  check_plane(op, "current_state", current_state, voltage);
  check_plane(op, "voltage_state", voltage_state, voltage);
  check_plane(op, "grad_next_current", grad_next_current, voltage);
  check_plane(op, "grad_next_voltage", grad_next_voltage, voltage);
  check_plane(op, "grad_next_ref", grad_next_ref, voltage);
  check_plane(op, "grad_next_th", grad_next_th, voltage);
  Tensor grad_x = series_like(voltage, voltage.scalar_type());
  Tensor g[8];
  for (auto& each : g) each = plane_like(voltage);
  dispatch_float(voltage, [&](auto tag) {
    using S = decltype(tag);
    run(AlifBackward<S>{voltage.size(0), voltage.size(1), voltage.size(2), series<S>(grad_spikes),
                        optional_series<S>(grad_voltage), series<S>(current), series<S>(voltage),
                        series<S>(threshold_out), series<S>(refractory_out), series<bool>(events),
                        plane<S>(grad_next_current), plane<S>(grad_next_voltage), plane<S>(grad_next_ref),
                        plane<S>(grad_next_th), plane<S>(current_decay), plane<S>(voltage_decay),
                        plane<S>(ref_decay), plane<S>(th_decay), plane<S>(current_state), plane<S>(voltage_state),
                        plane<S>(ref_state), plane<S>(th_state), ratio<S>(th0, s_scale), ratio<S>(th_step, s_scale),
                        static_cast<S>(tau_rho), static_cast<S>(scale_rho), graded, series<S>(grad_x),
                        plane<S>(g[0]), plane<S>(g[1]), plane<S>(g[2]), plane<S>(g[3]), plane<S>(g[4]),
                        plane<S>(g[5]), plane<S>(g[6]), plane<S>(g[7])});
  });
  return {grad_x, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]};
}

// -- layout ---------------------------------------------------------------------------------------

#if SLAYER_ISA_DISPATCH
// dst[j * ds + i] = src[i * ss + j] for an 8 x 8 block of 4-byte elements, in AVX2 registers (shuffles only:
// any bit pattern, NaN payloads included, is moved unchanged).
__attribute__((target("avx2"))) void transpose_8x8(const uint32_t* src, int64_t ss, uint32_t* dst, int64_t ds) {
  const auto* f = reinterpret_cast<const float*>(src);
  auto* g = reinterpret_cast<float*>(dst);
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(f + i * ss);
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3 and 4-7 of the source
    const int b = 4 * h;
    u[b + 0] = _mm256_shuffle_ps(t[b + 0], t[b + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[b + 1] = _mm256_shuffle_ps(t[b + 0], t[b + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[b + 2] = _mm256_shuffle_ps(t[b + 1], t[b + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[b + 3] = _mm256_shuffle_ps(t[b + 1], t[b + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int j = 0; j < 4; ++j) {
    _mm256_storeu_ps(g + j * ds, _mm256_permute2f128_ps(u[j], u[j + 4], 0x20));
    _mm256_storeu_ps(g + (j + 4) * ds, _mm256_permute2f128_ps(u[j], u[j + 4], 0x31));
  }
}
#endif

// Copy an (N, M, T) series of any strides into neuron-contiguous storage in tiles of kTileM x kTileT
// (neurons x steps): the source rows of a tile stay in cache while the destination is written row by row.
// torch's own copy of a transposed view walks one side with a large stride and is 5-15x slower here.
// Time-contiguous 4-byte series (float32 N C T, the common case) move in 8 x 8 AVX2 blocks where the CPU has it.
// Short, wide tiles: a tile writes kTileT destination rows M elements apart, and with 32 x 32 tiles and a
// power-of-two M those rows fell into the same cache sets. A tile reads kTileM rows a row apart, which the
// hardware prefetchers do not follow, so a time-contiguous source's next tile is prefetched by hand. Float32,
// 1 thread, source in cache / not: 32 x 512 x 100 0.70 / 0.88 ms with 32 x 32 tiles, 0.16 / 0.6 ms now;
// 16 x 1024 x 300 16 / 7.2 ms -> 1.8 / 1.6-2.3 ms (the cold-source figures under load from other jobs).
template <typename E>
void transpose_tiles(const E* src, E* dst, int64_t N, int64_t M, int64_t T, int64_t sn, int64_t sm, int64_t st) {
  constexpr int64_t kTileM = 256, kTileT = 8;
  const int64_t m_tiles = (M + kTileM - 1) / kTileM, t_tiles = (T + kTileT - 1) / kTileT;
  const int64_t per_sample = m_tiles * t_tiles;
#if SLAYER_ISA_DISPATCH
  const bool blocks = sizeof(E) == 4 && st == 1 && selected_isa() != Isa::kBaseline;
#else
  const bool blocks = false;
#endif
  at::parallel_for(0, N * per_sample, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / per_sample, m0 = (i % per_sample) / t_tiles * kTileM, t0 = i % t_tiles * kTileT;
      const int64_t m1 = std::min(M, m0 + kTileM), t1 = std::min(T, t0 + kTileT);
      const E* s = src + n * sn;
      E* d = dst + n * T * M;
      int64_t m_done = m0, t_done = t0;  // the 8 x 8 blocks cover [m0, m_done) x [t0, t_done)
      if (st == 1 && t1 < T) {  // the lines of the tile after the next one (same neurons, later steps)
        const E* next = s + std::min(t1 + kTileT, T - 1);
        for (int64_t m = m0; m < m1; ++m) __builtin_prefetch(next + m * sm, 0, 3);
      }
#if SLAYER_ISA_DISPATCH
      if constexpr (sizeof(E) == 4) {
        if (blocks) {
          m_done = m0 + (m1 - m0) / 8 * 8;
          t_done = t0 + (t1 - t0) / 8 * 8;
          for (int64_t m = m0; m < m_done; m += 8) {
            for (int64_t t = t0; t < t_done; t += 8) {
              transpose_8x8(reinterpret_cast<const uint32_t*>(s + m * sm + t), sm,
                            reinterpret_cast<uint32_t*>(d + t * M + m), M);
            }
          }
        }
      }
#endif
      for (int64_t t = t0; t < t1; ++t) {  // what the blocks left: the tile's ragged right and bottom edges
        for (int64_t m = (t < t_done ? m_done : m0); m < m1; ++m) d[t * M + m] = s[m * sm + t * st];
      }
    }
  });
}

// The contract's neuron_major: the values of x (N, M, T) in N T M storage seen as (N, M, T), from the pool.
Tensor neuron_major(const Tensor& x) {
  const char* op = "slayer_cpu::neuron_major";
  check_cpu(op, "x", x);
  TORCH_CHECK(x.dim() == 3, op, ": x must have shape (N, M, T), got ", x.sizes());
  const int64_t N = x.size(0), M = x.size(1), T = x.size(2);
  Tensor out = at::detail::empty_strided_generic(x.sizes(), {T * M, 1, M}, output_pool(),
                                                 c10::DispatchKeySet(c10::DispatchKey::CPU), x.scalar_type());
  if (out.numel() == 0) return out;
  const auto copy = [&](auto tag) {
    using E = decltype(tag);
    transpose_tiles<E>(static_cast<const E*>(x.const_data_ptr()), static_cast<E*>(out.data_ptr()), N, M, T,
                       x.stride(0), x.stride(1), x.stride(2));
  };
  switch (x.element_size()) {
    case 1: copy(uint8_t{}); break;
    case 2: copy(uint16_t{}); break;
    case 4: copy(uint32_t{}); break;
    case 8: copy(uint64_t{}); break;
    default: TORCH_CHECK(false, op, ": unsupported element size ", x.element_size(), " (dtype ", x.scalar_type(), ")");
  }
  return out;
}

// [live, idle, limit, hits, misses] of the output pool: bytes and block counts.
std::vector<int64_t> output_pool_stats() {
  const PoolStats s = pool_stats();
  return {s.live_bytes, s.idle_bytes, s.limit_bytes, s.hits, s.misses};
}

int64_t empty_output_pool() { return empty_pool(); }

}  // namespace
}  // namespace slayer_cpu

TORCH_LIBRARY(slayer_cpu, m) {
  m.def("output_pool_stats() -> int[]", &slayer_cpu::output_pool_stats);
  m.def("empty_output_pool() -> int", &slayer_cpu::empty_output_pool);
  m.def("neuron_major(Tensor x) -> Tensor");
  m.def(
      "leaky_integrator_forward(Tensor x, Tensor decay, Tensor state, bool reset, int threshold, int s_scale)"
      " -> (Tensor, Tensor, Tensor)");
  m.def(
      "leaky_integrator_backward(Tensor grad_output, Tensor grad_next_state, Tensor output, Tensor events,"
      " Tensor decay, Tensor state, bool reset, int threshold, int s_scale) -> (Tensor, Tensor, Tensor)");
  m.def(
      "resonator_forward(Tensor real, Tensor imag, Tensor sin_decay, Tensor cos_decay, Tensor real_state,"
      " Tensor imag_state, bool reset, int threshold, int s_scale) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "resonator_backward(Tensor grad_real, Tensor grad_imag, Tensor grad_next_real, Tensor grad_next_imag,"
      " Tensor real_out, Tensor imag_out, Tensor events, Tensor sin_decay, Tensor cos_decay, Tensor real_state,"
      " Tensor imag_state, bool reset, int threshold, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "adaptive_threshold_forward(Tensor voltage, Tensor ref_decay, Tensor th_decay, Tensor ref_state,"
      " Tensor th_state, int th_step, int th0, int s_scale) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "adaptive_threshold_backward(Tensor grad_threshold, Tensor grad_refractory, Tensor grad_next_ref,"
      " Tensor grad_next_th, Tensor threshold_out, Tensor refractory_out, Tensor events, Tensor ref_decay,"
      " Tensor th_decay, Tensor ref_state, Tensor th_state, int th_step, int th0, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "adaptive_phase_threshold_forward(Tensor real, Tensor imag, Tensor ref_decay, Tensor th_decay,"
      " Tensor imag_state, Tensor ref_state, Tensor th_state, int th_step, int th0, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "adaptive_resonator_forward(Tensor real, Tensor imag, Tensor sin_decay, Tensor cos_decay, Tensor ref_decay,"
      " Tensor th_decay, Tensor real_state, Tensor imag_state, Tensor ref_state, Tensor th_state, int th_step,"
      " int th0, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "cuba_forward(Tensor x, Tensor current_decay, Tensor voltage_decay, Tensor current_state,"
      " Tensor voltage_state, int threshold, float spike_threshold, bool graded, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "cuba_backward(Tensor grad_spikes, Tensor grad_voltage, Tensor grad_next_current, Tensor grad_next_voltage,"
      " Tensor x, Tensor voltage, Tensor events, Tensor current_decay, Tensor voltage_decay,"
      " Tensor current_state, Tensor voltage_state, float spike_threshold, float tau_rho, float scale_rho,"
      " bool graded, int s_scale) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "alif_forward(Tensor x, Tensor current_decay, Tensor voltage_decay, Tensor ref_decay, Tensor th_decay,"
      " Tensor current_state, Tensor voltage_state, Tensor ref_state, Tensor th_state, int th_step, int th0,"
      " bool graded, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "alif_backward(Tensor grad_spikes, Tensor grad_voltage, Tensor grad_next_current, Tensor grad_next_voltage,"
      " Tensor grad_next_ref, Tensor grad_next_th, Tensor current, Tensor voltage, Tensor threshold_out,"
      " Tensor refractory_out, Tensor events, Tensor current_decay, Tensor voltage_decay, Tensor ref_decay,"
      " Tensor th_decay, Tensor current_state, Tensor voltage_state, Tensor ref_state, Tensor th_state,"
      " int th_step, int th0, float tau_rho, float scale_rho, bool graded, int s_scale)"
      " -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(slayer_cpu, CPU, m) {
  m.impl("neuron_major", &slayer_cpu::neuron_major);
  m.impl("leaky_integrator_forward", &slayer_cpu::leaky_integrator_forward);
  m.impl("leaky_integrator_backward", &slayer_cpu::leaky_integrator_backward);
  m.impl("resonator_forward", &slayer_cpu::resonator_forward);
  m.impl("resonator_backward", &slayer_cpu::resonator_backward);
  m.impl("adaptive_threshold_forward", &slayer_cpu::adaptive_threshold_forward);
  m.impl("adaptive_threshold_backward", &slayer_cpu::adaptive_threshold_backward);
  m.impl("adaptive_phase_threshold_forward", &slayer_cpu::adaptive_phase_threshold_forward);
  m.impl("adaptive_resonator_forward", &slayer_cpu::adaptive_resonator_forward);
  m.impl("cuba_forward", &slayer_cpu::cuba_forward);
  m.impl("cuba_backward", &slayer_cpu::cuba_backward);
  m.impl("alif_forward", &slayer_cpu::alif_forward);
  m.impl("alif_backward", &slayer_cpu::alif_backward);
}
