// The reference time and metadata times (TUF's and in-toto's `expires`). Notary writes `expires`
// with Go's time.Time JSON form, RFC 3339 with nanoseconds: fraction trimmed of trailing zeros
// (omitted when zero), "Z" for UTC or "+hh:mm". Go re-serializes what it parses, so a writer must
// emit exactly Go's bytes (UTC, "Z"). in-toto writes "%Y-%m-%dT%H:%M:%SZ", which parses here too.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "signy/util/result.hpp"

namespace signy {

// A command takes its reference time once; every expiry is compared with it.
using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;

// Nanosecond time points span 1677-2262 and Go's times years 0-9999: parsing saturates to these
// (in 2255 and 1684), which every later computation on them can still represent.
inline constexpr TimePoint kLatestTime{std::chrono::seconds{9'000'000'000}};
inline constexpr TimePoint kEarliestTime{std::chrono::seconds{-9'000'000'000}};

// Go's RFC3339Nano of the instant in UTC, e.g. "2029-11-21T10:55:43.050671993Z".
std::string format_rfc3339nano(TimePoint t);

// Any RFC 3339 date-time: fraction of 1 to 9 digits (more is refused), "Z"/"z" or "+hh:mm".
Result<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace signy
