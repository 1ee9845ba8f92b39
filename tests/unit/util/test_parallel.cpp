// util::parallel_for: each index once, on the threads asked for, stopping early when told.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
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

TEST_CASE("parallel_for: an exception thrown on any thread reaches the caller, after every thread returned") {
  // Thrown on the other thread (not the caller's): before, std::terminate.
  const auto caller = std::this_thread::get_id();
  std::atomic<int> running{0};
  std::atomic<bool> thrown{false};
  try {
    parallel_for(1000, 2, [&](std::size_t) {
      ++running;
      struct Leave {
        std::atomic<int>& r;
        ~Leave() { --r; }
      } leave{running};
      if (std::this_thread::get_id() != caller && !thrown.exchange(true)) throw std::runtime_error("from a worker");
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      return true;
    });
    // One thread only (no second thread could be started): nothing thrown, nothing to check.
    CHECK_FALSE(thrown.load());
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "from a worker");
    CHECK(running.load() == 0);  // no call still under way when the caller sees it
  }
  // Thrown on the caller's thread: the same, and the indices not taken are skipped.
  std::atomic<std::size_t> calls{0};
  CHECK_THROWS_AS(parallel_for(100000, 2,
                               [&](std::size_t i) {
                                 calls.fetch_add(1);
                                 if (i == 5) throw std::length_error("five");
                                 return true;
                               }),
                  std::length_error);
  CHECK(calls.load() < 100000);
}
