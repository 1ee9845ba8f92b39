#include "signy/util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "signy/util/text.hpp"

namespace signy::log {
namespace {
std::atomic<Level> g_level{Level::warn};
const auto g_start = std::chrono::steady_clock::now();  // debug lines carry the time since start
}

void set_level(Level level) noexcept { g_level = level; }
Level level() noexcept { return g_level; }

Result<Level> parse_level(std::string_view name) {
  if (name == "error") return Level::error;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "info") return Level::info;
  if (name == "debug") return Level::debug;
  return fail(Errc::usage, "unknown log level \"" + std::string(name) + "\" (error, warn, info, debug)");
}

void write(Level level, std::string_view raw) {
  if (level > g_level.load()) return;
  // Warnings quote file names and servers' text: no control byte reaches the terminal raw.
  std::string escaped = escape_control(raw);
  std::string_view message = escaped;
  static constexpr const char* kNames[] = {"error", "warning", "info", "debug"};
  if (level == Level::debug) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - g_start).count();
    std::fprintf(stderr, "signy: debug [%lld.%lld ms]: %.*s\n", static_cast<long long>(us / 1000),
                 static_cast<long long>(us / 100 % 10), static_cast<int>(message.size()), message.data());
    return;
  }
  std::fprintf(stderr, "signy: %s: %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(message.size()),
               message.data());
}

}  // namespace signy::log
