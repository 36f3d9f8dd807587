// Run-time instruction-set dispatch without -march: the hot block functions are compiled once per ISA with a
// function-level target attribute (everything they call is inlined into them, so it is compiled for that ISA
// too), and run() picks one per call from what this CPU supports. Nothing outside those functions uses the
// wider instructions, so a library built on one x86-64 machine runs on any other.
#pragma once

#include <cstdlib>
#include <cstring>

namespace slayer_cpu {

enum class Isa { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SLAYER_ISA_DISPATCH 1
#define SLAYER_TARGET_AVX2 __attribute__((target("avx2,fma"), flatten))
#define SLAYER_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512"), flatten))
#else
#define SLAYER_ISA_DISPATCH 0
#define SLAYER_TARGET_AVX2
#define SLAYER_TARGET_AVX512
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SLAYER_INLINE inline __attribute__((always_inline))
// The scalar int64 fallbacks: compiled once (baseline ISA) and called from every ISA variant instead of being
// flattened into each of them, which only lengthened the cold build (they do not vectorise anyway).
#define SLAYER_FALLBACK __attribute__((noinline))
#else
#define SLAYER_INLINE inline
#define SLAYER_FALLBACK
#endif

// The widest ISA this CPU supports (probed once).
inline Isa detected_isa() {
#if SLAYER_ISA_DISPATCH
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) {
      return Isa::kAvx512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
    return Isa::kBaseline;
  }();
  return isa;
#else
  return Isa::kBaseline;
#endif
}

// detected_isa(), lowered by $SLAYER_CPU_ISA = baseline | avx2 (read per call: tests run every variant).
inline Isa selected_isa() {
  const Isa best = detected_isa();
  const char* wanted = std::getenv("SLAYER_CPU_ISA");
  if (wanted == nullptr) return best;
  const Isa cap = std::strcmp(wanted, "baseline") == 0 ? Isa::kBaseline
                  : std::strcmp(wanted, "avx2") == 0   ? Isa::kAvx2
                                                       : Isa::kAvx512;
  return static_cast<int>(cap) < static_cast<int>(best) ? cap : best;
}

}  // namespace slayer_cpu
