// The output pool of output_pool.h: best-fit reuse of freed blocks, capped idle bytes, one mutex.
#include "output_pool.h"

#include <ATen/EmptyTensor.h>

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace slayer_cpu {
namespace {

constexpr size_t kGranule = size_t(64) << 10;  // sizes are rounded up to 64 KiB: near sizes share blocks
constexpr size_t kAlignment = 64;

struct Block {
  void* data;
  size_t size;
};

int64_t default_limit() {
  if (const char* text = std::getenv("SLAYER_CPU_POOL_MB")) {
    char* end = nullptr;
    const long long mb = std::strtoll(text, &end, 10);
    TORCH_CHECK(end != text && *end == '\0' && mb >= 0,
                "SLAYER_CPU_POOL_MB must be a whole number of MiB >= 0 (0 turns the output pool off), got '", text,
                "'");
    return static_cast<int64_t>(mb) << 20;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const int64_t eighth = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 8 : int64_t(1) << 30;
  return std::min<int64_t>(eighth, int64_t(4) << 30);
}

class OutputPool final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) override {
    if (n < kPoolMinBytes || limit_ == 0) return c10::GetCPUAllocator()->allocate(n);
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    Block* block = take(size);
    if (block == nullptr) block = fresh(size);
    return {block->data, block, &OutputPool::release, c10::Device(c10::DeviceType::CPU)};
  }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

  PoolStats stats() {
    std::lock_guard<std::mutex> guard(mutex_);
    return {live_, idle_, limit_, hits_, misses_};
  }

  int64_t empty() {
    std::multimap<size_t, Block*> idle;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      idle.swap(idle_blocks_);
      idle_ = 0;
    }
    int64_t freed = 0;
    for (auto& entry : idle) {
      freed += static_cast<int64_t>(entry.second->size);
      destroy(entry.second);
    }
    return freed;
  }

  static OutputPool& instance() {
    static OutputPool* pool = new OutputPool();  // leaked on purpose (see output_pool.h)
    return *pool;
  }

 private:
  OutputPool() : limit_(default_limit()) {
    // fork() while another thread holds the mutex (a DataLoader worker started mid-step) would leave it locked
    // forever in the child: hold it across fork so both sides start with it free
    pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                   [] { instance().mutex_.unlock(); });
  }

  // The smallest idle block of at least `size` bytes and at most 5/4 of it (larger ones would waste memory).
  Block* take(size_t size) {
    std::lock_guard<std::mutex> guard(mutex_);
    auto found = idle_blocks_.lower_bound(size);
    if (found == idle_blocks_.end() || found->first > size + size / 4) {
      ++misses_;
      live_ += static_cast<int64_t>(size);
      return nullptr;
    }
    Block* block = found->second;
    idle_blocks_.erase(found);
    idle_ -= static_cast<int64_t>(block->size);
    live_ += static_cast<int64_t>(block->size);
    ++hits_;
    return block;
  }

  Block* fresh(size_t size) {
    void* data = nullptr;
    if (posix_memalign(&data, kAlignment, size) != 0) {
      empty();  // the idle blocks may be what stands in the way
      if (posix_memalign(&data, kAlignment, size) != 0) {
        std::lock_guard<std::mutex> guard(mutex_);
        live_ -= static_cast<int64_t>(size);
        TORCH_CHECK_WITH(OutOfMemoryError, false, "slayer cpu backend: out of memory allocating ", size,
                         " bytes for a kernel output");
      }
    }
    return new Block{data, size};
  }

  static void destroy(Block* block) {
    std::free(block->data);
    delete block;
  }

  static void release(void* context) {
    Block* block = static_cast<Block*>(context);
    OutputPool& pool = instance();
    {
      std::lock_guard<std::mutex> guard(pool.mutex_);
      pool.live_ -= static_cast<int64_t>(block->size);
      if (pool.idle_ + static_cast<int64_t>(block->size) <= pool.limit_) {
        pool.idle_blocks_.emplace(block->size, block);
        pool.idle_ += static_cast<int64_t>(block->size);
        return;
      }
    }
    destroy(block);
  }

  std::mutex mutex_;
  std::multimap<size_t, Block*> idle_blocks_;
  int64_t live_ = 0, idle_ = 0, hits_ = 0, misses_ = 0;
  const int64_t limit_;
};

}  // namespace

c10::Allocator* output_pool() { return &OutputPool::instance(); }
PoolStats pool_stats() { return OutputPool::instance().stats(); }
int64_t empty_pool() { return OutputPool::instance().empty(); }

at::Tensor pooled_like(const at::Tensor& x) {
  const int64_t M = x.size(1), T = x.size(2);
  const std::vector<int64_t> strides =
      x.is_non_overlapping_and_dense() ? x.strides().vec() : std::vector<int64_t>{M * T, T, 1};
  return at::detail::empty_strided_generic(x.sizes(), strides, output_pool(),
                                           c10::DispatchKeySet(c10::DispatchKey::CPU), x.scalar_type());
}

}  // namespace slayer_cpu
