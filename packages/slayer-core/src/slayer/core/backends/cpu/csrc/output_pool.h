// A caching allocator for the series-sized outputs of the kernels (spikes, voltages, events, input gradients).
//
// Why: a training step allocates the same few multi-megabyte outputs every iteration. glibc serves blocks
// that large with fresh mmap()s (or trims them back to the OS on free), so every output is first written
// through page faults: about 1 µs per 4 KiB page, which made a 64 MiB output cost ~16 ms before a single
// value was computed (3-5x the kernel itself at N=32, C=512, T=1000). Like PyTorch's CUDA caching allocator,
// the pool keeps freed blocks and hands them out again, so a steady training loop writes into warm memory.
//
// Blocks below kPoolMinBytes go to PyTorch's CPU allocator. Idle (cached) bytes are capped by
// $SLAYER_CPU_POOL_MB (default: an eighth of physical memory, at most 4 GiB; 0 turns the pool off);
// slayer.core.backends.cpu.empty_pool() returns every idle block to the system.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Allocator.h>

#include <cstdint>

namespace slayer_cpu {

constexpr size_t kPoolMinBytes = size_t(1) << 20;

struct PoolStats {
  int64_t live_bytes, idle_bytes, limit_bytes, hits, misses;
};

// The process-wide pool (never destroyed: tensors may outlive static destructors at interpreter exit).
c10::Allocator* output_pool();
PoolStats pool_stats();
// Frees every idle block; returns the bytes given back.
int64_t empty_pool();

// An uninitialised (N, M, T) tensor laid out like the series x (dense x: same strides, else contiguous), from
// the pool: warm memory instead of a fresh multi-megabyte mmap, and its page faults, on every training step.
at::Tensor pooled_like(const at::Tensor& x);

}  // namespace slayer_cpu
