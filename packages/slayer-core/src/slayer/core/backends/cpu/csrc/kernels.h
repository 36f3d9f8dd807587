// The raw kernels (pointers and strides, no tensors): one argument struct per contract kernel, run() for
// float and double. ops.cpp turns tensors into these structs; see docs/backends.md for the contract.
#pragma once

#include "fixed_point.h"

namespace slayer_cpu {

template <typename S>
struct LeakyIntegratorForward {
  int64_t N, M, T;
  Series<S> x, output;
  Series<bool> events;  // written only when reset
  Plane<S> decay, state, next_state;
  bool reset;
  int64_t threshold;
  S s_scale;
};

template <typename S>
struct LeakyIntegratorBackward {
  int64_t N, M, T;
  Series<S> grad_output, output;
  Series<bool> events;  // read only when reset
  Plane<S> grad_next_state, decay, state;
  Series<S> grad_input;
  Plane<S> grad_decay, grad_state;
  bool reset;
};

template <typename S>
struct ResonatorForward {
  int64_t N, M, T;
  Series<S> real, imag, out_re, out_im;
  Series<bool> events;
  Plane<S> sin_decay, cos_decay, real_state, imag_state, next_re, next_im;
  bool reset;
  int64_t threshold;
  S s_scale;
};

template <typename S>
struct ResonatorBackward {
  int64_t N, M, T;
  Series<S> grad_real, grad_imag, real_out, imag_out;
  Series<bool> events;
  Plane<S> grad_next_real, grad_next_imag, sin_decay, cos_decay, real_state, imag_state;
  Series<S> grad_x_re, grad_x_im;
  Plane<S> grad_sin, grad_cos, grad_re_state, grad_im_state;
  bool reset;
  S reset_im;  // the imaginary state after a reset, (threshold - 1) / s_scale
};

template <typename S>
struct AdaptiveThresholdForward {
  int64_t N, M, T;
  Series<S> voltage, th_out, r_out;
  Series<bool> events;
  Plane<S> ref_decay, th_decay, ref_state, th_state, next_r, next_th;
  int64_t th_step, th0;
  S s_scale;
};

template <typename S>
struct AdaptivePhaseThresholdForward {
  int64_t N, M, T;
  Series<S> real, imag, th_out, r_out;
  Series<bool> events;
  Plane<S> ref_decay, th_decay, imag_state, ref_state, th_state, next_r, next_th;
  int64_t th_step, th0;
  S s_scale;
};

template <typename S>
struct AdaptiveThresholdBackward {
  int64_t N, M, T;
  Series<S> grad_threshold, grad_refractory, threshold_out, refractory_out;
  Series<bool> events;
  Plane<S> grad_next_ref, grad_next_th, ref_decay, th_decay, ref_state, th_state;
  S base, step;  // th0 / s_scale and th_step / s_scale
  Plane<S> grad_ref_decay, grad_th_decay, grad_ref_state, grad_th_state;
};

template <typename S>
struct AdaptiveResonatorForward {
  int64_t N, M, T;
  Series<S> real, imag, out_re, out_im, th_out, r_out;
  Series<bool> events;
  Plane<S> sin_decay, cos_decay, ref_decay, th_decay, real_state, imag_state, ref_state, th_state, next_re, next_im,
      next_r, next_th;
  int64_t th_step, th0;
  S s_scale;
};

// Fused CUBA neuron: current integrator, voltage integrator with reset, real spike (docs/backends.md).
template <typename S>
struct CubaForward {
  int64_t N, M, T;
  Series<S> x, spikes, voltage;
  Series<bool> events;
  Plane<S> current_decay, voltage_decay, current_state, voltage_state, next_current, next_voltage;
  int64_t threshold;  // reset at y >= threshold (integer)
  S spike_threshold;  // spike at voltage >= spike_threshold (in the series dtype, as torch compares)
  bool graded;
  S s_scale;
};

template <typename S>
struct CubaBackward {
  int64_t N, M, T;
  Series<S> grad_spikes, grad_voltage;  // grad_voltage.data == nullptr: no voltage gradient
  Series<S> x, voltage;  // the input: the current is recomputed from it (exactly as the forward did)
  Series<bool> events;
  Plane<S> grad_next_current, grad_next_voltage, current_decay, voltage_decay, current_state, voltage_state;
  S spike_threshold, tau_rho, scale_rho;
  bool graded;
  S s_scale;
  Series<S> grad_input;
  Plane<S> grad_current_decay, grad_voltage_decay, grad_current_state, grad_voltage_state;
};

// Fused ALIF neuron: current and voltage integrators (no reset), adaptive threshold, real spike vs θ + r.
template <typename S>
struct AlifForward {
  int64_t N, M, T;
  Series<S> x, spikes, current, voltage, th_out, r_out;
  Series<bool> events;
  Plane<S> current_decay, voltage_decay, ref_decay, th_decay, current_state, voltage_state, ref_state, th_state,
      next_current, next_voltage, next_r, next_th;
  int64_t th_step, th0;
  bool graded;
  S s_scale;
};

template <typename S>
struct AlifBackward {
  int64_t N, M, T;
  Series<S> grad_spikes, grad_voltage;  // grad_voltage.data == nullptr: no voltage gradient
  Series<S> current, voltage, th_out, r_out;
  Series<bool> events;
  Plane<S> grad_next_current, grad_next_voltage, grad_next_ref, grad_next_th, current_decay, voltage_decay,
      ref_decay, th_decay, current_state, voltage_state, ref_state, th_state;
  S base, step, tau_rho, scale_rho;  // base, step: th0 / s_scale and th_step / s_scale
  bool graded;
  Series<S> grad_input;
  Plane<S> grad_current_decay, grad_voltage_decay, grad_ref_decay, grad_th_decay, grad_current_state,
      grad_voltage_state, grad_ref_state, grad_th_state;
};

template <typename S>
void run(const LeakyIntegratorForward<S>& a);
template <typename S>
void run(const LeakyIntegratorBackward<S>& a);
template <typename S>
void run(const ResonatorForward<S>& a);
template <typename S>
void run(const ResonatorBackward<S>& a);
template <typename S>
void run(const AdaptiveThresholdForward<S>& a);
template <typename S>
void run(const AdaptivePhaseThresholdForward<S>& a);
template <typename S>
void run(const AdaptiveThresholdBackward<S>& a);
template <typename S>
void run(const AdaptiveResonatorForward<S>& a);
template <typename S>
void run(const CubaForward<S>& a);
template <typename S>
void run(const CubaBackward<S>& a);
template <typename S>
void run(const AlifForward<S>& a);
template <typename S>
void run(const AlifBackward<S>& a);

}  // namespace slayer_cpu
