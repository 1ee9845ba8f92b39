// A fast path for the common case of large TUF metadata: plain JSON (ASCII strings with the short
// escapes, integers, literals) read in one tight loop and delivered to the same SAX handler as
// nlohmann's parser. Anything else (a \u escape, a non-ASCII or control byte, a float, a syntax
// error, trailing data) is not judged here: the caller parses the document again with nlohmann,
// whose answer is the one that counts. So this code may only ever accept documents nlohmann
// accepts, with the same events (fuzz_cjson checks exactly that).
#include "signy/cjson/cjson.hpp"

namespace signy::cjson::detail {
namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

FastParse fast_sax_parse(std::string_view text, nlohmann::json_sax<Json>& sax) {
  const char* p = text.data();
  const char* const end = p + text.size();
  constexpr auto kUnknown = static_cast<std::size_t>(-1);
  std::vector<char> stack;  // '{' or '['
  std::string buf;
  auto ws = [&] {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  };
  // p at the opening quote; false: not in the plain subset (or malformed).
  auto string = [&](std::string& out) -> bool {
    ++p;
    out.clear();
    for (;;) {
      const char* run = p;
      while (p < end) {
        auto c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) break;
        ++p;
      }
      out.append(run, p);
      if (p >= end) return false;
      if (*p == '"') {
        ++p;
        return true;
      }
      if (*p != '\\' || p + 1 >= end) return false;  // a control or non-ASCII byte
      switch (p[1]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        default: return false;  // \uXXXX and anything else
      }
      p += 2;
    }
  };
  // Integers only: -?(0|[1-9][0-9]*) within int64 (negative) or uint64, as nlohmann reports them.
  auto number = [&]() -> FastParse {
    bool negative = *p == '-';
    if (negative) ++p;
    if (p >= end || !is_digit(*p)) return FastParse::deferred;
    if (*p == '0' && (negative || (p + 1 < end && is_digit(p[1])))) return FastParse::deferred;  // -0, leading zeros
    std::uint64_t v = 0;
    while (p < end && is_digit(*p)) {
      auto d = static_cast<std::uint64_t>(*p - '0');
      if (v > (UINT64_MAX - d) / 10) return FastParse::deferred;
      v = v * 10 + d;
      ++p;
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) return FastParse::deferred;
    bool ok;
    if (negative) {
      if (v > 9223372036854775808ull) return FastParse::deferred;
      ok = sax.number_integer(v == 9223372036854775808ull ? INT64_MIN : -static_cast<std::int64_t>(v));
    } else {
      ok = sax.number_unsigned(v);
    }
    return ok ? FastParse::done : FastParse::stopped;
  };
  auto literal = [&](std::string_view word) {
    if (static_cast<std::size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
    p += word.size();
    return true;
  };

  enum class Expect { value, value_or_close, key_or_close, key, after };
  Expect e = Expect::value;
  for (;;) {
    ws();
    if (p >= end) return e == Expect::after && stack.empty() ? FastParse::done : FastParse::deferred;
    char c = *p;
    switch (e) {
      case Expect::value_or_close:
        if (c == ']') {
          ++p;
          stack.pop_back();
          if (!sax.end_array()) return FastParse::stopped;
          e = Expect::after;
          continue;
        }
        [[fallthrough]];
      case Expect::value: {
        if (c == '{') {
          ++p;
          stack.push_back('{');
          if (!sax.start_object(kUnknown)) return FastParse::stopped;
          e = Expect::key_or_close;
          continue;
        }
        if (c == '[') {
          ++p;
          stack.push_back('[');
          if (!sax.start_array(kUnknown)) return FastParse::stopped;
          e = Expect::value_or_close;
          continue;
        }
        bool ok;
        if (c == '"') {
          if (!string(buf)) return FastParse::deferred;
          ok = sax.string(buf);
        } else if (c == 't' && literal("true")) {
          ok = sax.boolean(true);
        } else if (c == 'f' && literal("false")) {
          ok = sax.boolean(false);
        } else if (c == 'n' && literal("null")) {
          ok = sax.null();
        } else if (c == '-' || is_digit(c)) {
          auto r = number();
          if (r != FastParse::done) return r;
          ok = true;
        } else {
          return FastParse::deferred;
        }
        if (!ok) return FastParse::stopped;
        e = Expect::after;
        continue;
      }
      case Expect::key_or_close:
        if (c == '}') {
          ++p;
          stack.pop_back();
          if (!sax.end_object()) return FastParse::stopped;
          e = Expect::after;
          continue;
        }
        [[fallthrough]];
      case Expect::key:
        if (c != '"' || !string(buf)) return FastParse::deferred;
        if (!sax.key(buf)) return FastParse::stopped;
        ws();
        if (p >= end || *p != ':') return FastParse::deferred;
        ++p;
        e = Expect::value;
        continue;
      case Expect::after:
        if (stack.empty()) return FastParse::deferred;  // trailing data
        if (c == ',') {
          ++p;
          e = stack.back() == '{' ? Expect::key : Expect::value;
          continue;
        }
        if ((c == '}' && stack.back() == '{') || (c == ']' && stack.back() == '[')) {
          ++p;
          stack.pop_back();
          if (!(c == '}' ? sax.end_object() : sax.end_array())) return FastParse::stopped;
          e = Expect::after;
          continue;
        }
        return FastParse::deferred;
    }
  }
}

}  // namespace signy::cjson::detail
