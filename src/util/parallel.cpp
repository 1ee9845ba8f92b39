#include "signy/util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace signy {

void parallel_for(std::size_t n, unsigned threads, const std::function<bool(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  std::mutex failed_mutex;
  std::exception_ptr failed;  // the first exception a call threw: rethrown to the caller
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      bool go_on = false;
      try {
        go_on = body(i);
      } catch (...) {
        std::lock_guard lock(failed_mutex);
        if (!failed) failed = std::current_exception();
      }
      if (!go_on) {
        next.store(n, std::memory_order_relaxed);
        return;
      }
    }
  };
  const std::size_t extra = n < 2 ? 0 : std::min<std::size_t>(std::max(1u, threads), n) - 1;
  std::vector<std::thread> pool;
  pool.reserve(extra);
  for (std::size_t t = 0; t < extra; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {  // no thread to be had (RLIMIT_NPROC): fewer do it all
      break;
    }
  }
  work();
  for (auto& t : pool) t.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace signy
