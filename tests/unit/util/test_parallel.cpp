// util::parallel_for: each index once, on the threads asked for, stopping early when told.
#include <catch2/catch.hpp>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "signy/util/parallel.hpp"

using namespace signy;

TEST_CASE("parallel_for: every index exactly once, whatever the thread count") {
  for (unsigned threads : {0u, 1u, 2u, 4u, 64u})
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{1000}}) {
      INFO(threads << " threads, " << n << " indices");
      std::vector<std::atomic<int>> seen(n);
      parallel_for(n, threads, [&](std::size_t i) {
        seen[i].fetch_add(1);
        return true;
      });
      for (std::size_t i = 0; i < n; ++i) CHECK(seen[i].load() == 1);
    }
}

TEST_CASE("parallel_for: the caller's thread works too, and no more threads than asked") {
  std::mutex mu;
  std::set<std::thread::id> ids;
  parallel_for(2000, 3, [&](std::size_t) {
    std::lock_guard lock(mu);
    ids.insert(std::this_thread::get_id());
    return true;
  });
  CHECK(ids.size() <= 3);
  std::set<std::thread::id> one;
  parallel_for(50, 1, [&](std::size_t) {
    one.insert(std::this_thread::get_id());
    return true;
  });
  CHECK(one == std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_CASE("parallel_for: false stops the indices not yet taken") {
  std::atomic<std::size_t> calls{0};
  parallel_for(1000, 1, [&](std::size_t i) {
    calls.fetch_add(1);
    return i < 10;
  });
  CHECK(calls.load() == 11);
  // On two threads the other one finishes what it took before it sees the stop: far fewer than all.
  constexpr std::size_t kMany = 10'000'000;
  calls = 0;
  parallel_for(kMany, 2, [&](std::size_t i) {
    calls.fetch_add(1);
    return i < 10;
  });
  CHECK(calls.load() >= 11);
  CHECK(calls.load() < kMany);
}
