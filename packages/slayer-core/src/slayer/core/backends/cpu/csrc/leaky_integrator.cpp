// Leaky integrator y[t] = rtz(y'[t-1] * (4096 - d), 12) + trunc(s_scale * x[t]) with optional reset
// to zero, forward in int64 and backward as the linear adjoint scan (reset treated as a constant).
#include "kernels.h"

namespace slayer_cpu {
namespace {

template <typename scalar_t, bool kUnit>
void forward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& x,
                   const Series<scalar_t>& out, const Series<bool>& events, const Plane<scalar_t>& decay,
                   const Plane<scalar_t>& state, const Plane<scalar_t>& next_state, bool reset, int64_t threshold,
                   scalar_t s_scale) {
  int64_t y[kBlock], retention[kBlock];
  bool poisoned[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    bool d_valid, s_valid;
    retention[j] = kDecayOne - decay_to_int(decay(0, m0 + j), d_valid);
    y[j] = scale_to_int(state(n, m0 + j), s_scale, s_valid);
    poisoned[j] = !(d_valid && s_valid);
  }
  const int64_t xsm = kUnit ? 1 : x.sm, osm = kUnit ? 1 : out.sm, esm = kUnit ? 1 : events.sm;
  const scalar_t* xp = x.row(n, m0);
  scalar_t* op = out.row(n, m0);
  bool* ep = reset ? events.row(n, m0) : nullptr;
  for (int64_t t = 0; t < T; ++t) {
    const scalar_t* xt = xp + t * x.st;
    scalar_t* ot = op + t * out.st;
    for (int64_t j = 0; j < count; ++j) {
      bool valid;
      const int64_t input = scale_to_int(xt[j * xsm], s_scale, valid);
      poisoned[j] = poisoned[j] || !valid;
      y[j] = wrap_add(decay_step(y[j], retention[j]), input);
      ot[j * osm] = to_float(y[j], s_scale, poisoned[j]);
    }
    if (reset) {
      bool* et = ep + t * events.st;
      for (int64_t j = 0; j < count; ++j) {
        const bool fired = y[j] >= threshold;
        et[j * esm] = fired;
        y[j] = fired ? 0 : y[j];
      }
    }
  }
  for (int64_t j = 0; j < count; ++j) next_state(n, m0 + j) = to_float(y[j], s_scale, poisoned[j]);
}

template <typename scalar_t, bool kUnit>
void backward_block(int64_t n, int64_t m0, int64_t count, int64_t T, const Series<scalar_t>& grad_output,
                    const Plane<scalar_t>& grad_next_state, const Series<scalar_t>& output,
                    const Series<bool>& events, const Plane<scalar_t>& decay, const Plane<scalar_t>& state,
                    const Series<scalar_t>& grad_input, const Plane<scalar_t>& grad_decay,
                    const Plane<scalar_t>& grad_state, bool reset) {
  scalar_t adjoint[kBlock], retention[kBlock], grad_retention[kBlock];
  for (int64_t j = 0; j < count; ++j) {
    retention[j] = scalar_t(1) - decay(0, m0 + j) / scalar_t(kDecayOne);
    adjoint[j] = grad_next_state(n, m0 + j);
    grad_retention[j] = 0;
  }
  const int64_t gsm = kUnit ? 1 : grad_output.sm, ysm = kUnit ? 1 : output.sm, esm = kUnit ? 1 : events.sm,
                ism = kUnit ? 1 : grad_input.sm;
  const scalar_t* gp = grad_output.row(n, m0);
  const scalar_t* yp = output.row(n, m0);
  const bool* ep = reset ? events.row(n, m0) : nullptr;
  scalar_t* ip = grad_input.row(n, m0);
  for (int64_t t = T - 1; t >= 0; --t) {
    const scalar_t* gt = gp + t * grad_output.st;
    scalar_t* it = ip + t * grad_input.st;
    // the state entering step t: y'[t-1] (after its reset), or the initial state
    const scalar_t* yb = t > 0 ? yp + (t - 1) * output.st : nullptr;
    const bool* eb = (reset && t > 0) ? ep + (t - 1) * events.st : nullptr;
    for (int64_t j = 0; j < count; ++j) {
      const scalar_t total = gt[j * gsm] + adjoint[j];
      it[j * ism] = total;
      scalar_t before;
      if (t == 0) {
        before = state(n, m0 + j);
      } else {
        before = (eb != nullptr && eb[j * esm]) ? scalar_t(0) : yb[j * ysm];
      }
      grad_retention[j] += total * before;
      adjoint[j] = retention[j] * total;
    }
  }
  for (int64_t j = 0; j < count; ++j) {
    grad_decay(n, m0 + j) = -grad_retention[j] / scalar_t(kDecayOne);
    grad_state(n, m0 + j) = adjoint[j];
  }
}

}  // namespace

template <typename S>
void run(const LeakyIntegratorForward<S>& a) {
  const bool unit = a.x.sm == 1 && a.output.sm == 1 && (!a.reset || a.events.sm == 1);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      forward_block<S, true>(n, m0, count, a.T, a.x, a.output, a.events, a.decay, a.state, a.next_state, a.reset,
                             a.threshold, a.s_scale);
    } else {
      forward_block<S, false>(n, m0, count, a.T, a.x, a.output, a.events, a.decay, a.state, a.next_state, a.reset,
                              a.threshold, a.s_scale);
    }
  });
}

template <typename S>
void run(const LeakyIntegratorBackward<S>& a) {
  const bool unit =
      a.grad_output.sm == 1 && a.output.sm == 1 && a.grad_input.sm == 1 && (!a.reset || a.events.sm == 1);
  for_each_block(a.N, a.M, a.T, [&](int64_t n, int64_t m0, int64_t count) {
    if (unit) {
      backward_block<S, true>(n, m0, count, a.T, a.grad_output, a.grad_next_state, a.output, a.events, a.decay,
                              a.state, a.grad_input, a.grad_decay, a.grad_state, a.reset);
    } else {
      backward_block<S, false>(n, m0, count, a.T, a.grad_output, a.grad_next_state, a.output, a.events, a.decay,
                               a.state, a.grad_input, a.grad_decay, a.grad_state, a.reset);
    }
  });
}

template void run<float>(const LeakyIntegratorForward<float>&);
template void run<double>(const LeakyIntegratorForward<double>&);
template void run<float>(const LeakyIntegratorBackward<float>&);
template void run<double>(const LeakyIntegratorBackward<double>&);

}  // namespace slayer_cpu
