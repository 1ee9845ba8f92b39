#include "signy/util/text.hpp"

#include <cstdint>
#include <limits>

namespace signy {
namespace {
void hex_byte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Unicode format characters that change how a line displays without showing themselves: bidi
// embeddings, overrides, isolates and marks (a name can read reversed, "Trojan Source"), zero-width
// characters and the soft hyphen (two names that look alike). Escaped like control bytes.
bool invisible_format(std::uint32_t cp) {
  return cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
         cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

// Length of the valid UTF-8 sequence at s[i] whose code point is printable (not a C1 control),
// 0 if there is none (RFC 3629 section 4: no overlongs, no surrogates, nothing past U+10FFFF;
// no C1 control, no invisible format character).
std::size_t utf8_printable(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0;
  std::uint32_t cp = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0) return 0;
  if (invisible_format(cp)) return 0;
  return n;
}
}  // namespace

std::string escape_control(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n", ++i;
    } else if (c == '\r') {
      out += "\\r", ++i;
    } else if (c == '\t') {
      out += "\\t", ++i;
    } else if (std::size_t n = c >= 0x80 ? utf8_printable(s, i) : 0; n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      hex_byte(out, c);
      ++i;
    }
  }
  return out;
}

// Go time.ParseDuration (without its sign and its "0"), plus plain integers as seconds.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto bad = [&] {
    return fail(Errc::usage, "invalid duration \"" + escape_control(text.substr(0, 64)) +
                                 "\" (seconds, or a Go duration such as 90s, 1m30s, 250ms, 2h)");
  };
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 9) return bad();  // more than 31 years: not a timeout
    std::int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return std::chrono::nanoseconds(v * 1'000'000'000);
  }
  struct Unit {
    std::string_view name;
    std::int64_t ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1},          {"us", 1000},           {"\xc2\xb5s", 1000},
                                    {"ms", 1'000'000},  {"s", 1'000'000'000},   {"m", 60'000'000'000},
                                    {"h", 3'600'000'000'000}};
  std::int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    // [digits][.digits] then a unit.
    std::size_t i = 0;
    std::int64_t whole = 0;
    bool pre = false, post = false;
    for (; i < rest.size() && is_digit(rest[i]); ++i, pre = true) {
      if (whole > (kMax - 9) / 10) return bad();
      whole = whole * 10 + (rest[i] - '0');
    }
    std::int64_t frac = 0, scale = 1;
    if (i < rest.size() && rest[i] == '.') {
      for (++i; i < rest.size() && is_digit(rest[i]); ++i, post = true) {
        if (scale < 1'000'000'000'000) {  // digits past 10^-12 cannot change a nanosecond count
          frac = frac * 10 + (rest[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!pre && !post) return bad();
    rest.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (rest.substr(0, u.name.size()) != u.name) continue;
      if (!unit || u.name.size() > unit->name.size()) unit = &u;  // "ms" before "m"
    }
    if (!unit) return bad();
    rest.remove_prefix(unit->name.size());
    if (whole > kMax / unit->ns) return bad();
    std::int64_t v = whole * unit->ns;
    // frac/scale of a unit, in whole nanoseconds (rounded down, as Go does). frac < scale <= 10^12
    // and ns <= 3.6 * 10^12: computed in long double to stay in range.
    v += static_cast<std::int64_t>(static_cast<long double>(frac) * unit->ns / scale);
    if (v < 0 || total > kMax - v) return bad();
    total += v;
  }
  return std::chrono::nanoseconds(total);
}

}  // namespace signy
