#include "signy/util/time.hpp"

#include <cstdio>

namespace signy {
namespace {
using namespace std::chrono;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

std::string format_rfc3339nano(TimePoint t) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<nanoseconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string out = buf;
  auto ns = hms.subseconds().count();
  if (ns != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(ns));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();  // Go's RFC3339Nano trims trailing zeros
    out += frac;
  }
  out += 'Z';
  return out;
}

Result<TimePoint> parse_rfc3339(std::string_view s) {
  auto bad = [&] { return fail(Errc::malformed_json, "invalid RFC 3339 time \"" + std::string(s.substr(0, 40)) + "\""); };
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return bad();
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return bad();
  std::size_t pos = 19;
  long long frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    std::size_t n = pos - start;
    if (n == 0 || n > 9) return bad();
    for (std::size_t i = 0; i < 9; ++i) frac_ns = frac_ns * 10 + (i < n ? s[start + i] - '0' : 0);
  }
  if (pos >= s.size()) return bad();
  int offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return bad();
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  // Saturate outside the representable span (an expiry after 2255 never comes, one before 1684
  // is long past) instead of overflowing (fuzz_metadata finding).
  auto secs = (sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - minutes{offset_min}).time_since_epoch();
  // Compare in seconds: converting secs to nanoseconds is what would overflow.
  if (secs >= duration_cast<seconds>(kLatestTime.time_since_epoch())) return kLatestTime;
  if (secs <= duration_cast<seconds>(kEarliestTime.time_since_epoch())) return kEarliestTime;
  return TimePoint{secs} + nanoseconds{frac_ns};
}

}  // namespace signy
