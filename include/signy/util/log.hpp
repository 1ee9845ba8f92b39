// Minimal leveled logging to stderr (`--log LEVEL`). Never pass secrets.
#pragma once
#include <string_view>

#include "signy/util/result.hpp"

namespace signy::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3 };

void set_level(Level level) noexcept;
Level level() noexcept;
Result<Level> parse_level(std::string_view name);

void write(Level level, std::string_view message);
inline void warn(std::string_view m) { write(Level::warn, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void debug(std::string_view m) { write(Level::debug, m); }

}  // namespace signy::log
