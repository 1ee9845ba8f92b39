// Text that reaches the terminal, and the command line's durations.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "signy/util/result.hpp"

namespace signy {

// `s` with every byte a terminal could act on escaped: C0 controls and DEL as \n, \r, \t or \xHH,
// bytes that are not valid UTF-8, C1 controls (U+0080..U+009F) and invisible format characters
// (bidi overrides and isolates, zero-width characters, soft hyphen) as \xHH per byte. File names
// and server messages inside errors are attacker-chosen: printed raw, ESC sequences would drive
// the terminal and a newline would fake a second line.
std::string escape_control(std::string_view s);

// A timeout as the original signy (Go's time.ParseDuration) wrote it: "5s", "1m30s", "250ms",
// "1.5h", "2h", units ns, us (or µs), ms, s, m, h; a plain integer is seconds. No sign, no
// whitespace. Errc::usage naming the text when it is not such a duration or does not fit.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace signy
