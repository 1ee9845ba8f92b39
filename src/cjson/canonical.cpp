// The canonical JSON encoders. Each cites the reference implementation whose bytes it matches.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "signy/cjson/cjson.hpp"

namespace signy::cjson {
namespace {

// docker/go encodeState.string and securesystemslib _canonical_string_encoder: only '"' and '\'
// are escaped; control characters, DEL and all non-ASCII bytes are written raw.
void append_quoted_minimal(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;  // copy unescaped runs at once
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"' || s[i] == '\\') {
      out.append(s, run, i - run);
      out += '\\';
      run = i;
    }
  }
  out.append(s, run, s.size() - run);
  out += '"';
}

// The dialects of docker/go MarshalCanonical (Notary) and securesystemslib encode_canonical
// (in-toto) differ only in numbers; strings, arrays and objects are written the same way.
template <class NumberRule>
Status minimal_encode(std::string& out, const Json& v, const NumberRule& number) {
  switch (v.type()) {
    case Json::value_t::null: out += "null"; return {};
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return {};
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return number(out, v);
    case Json::value_t::string: append_quoted_minimal(out, v.get_ref<const std::string&>()); return {};
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        SIGNY_TRY_VOID(minimal_encode(out, e, number));
      }
      out += ']';
      return {};
    }
    case Json::value_t::object: {
      // nlohmann's object is a std::map<std::string>: iteration is in UTF-8 byte order, which is
      // Go's sort.Strings and Python's code point order alike.
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        append_quoted_minimal(out, k);
        out += ':';
        SIGNY_TRY_VOID(minimal_encode(out, e, number));
      }
      out += '}';
      return {};
    }
    default: return fail(Errc::unsupported_value, "value of this type cannot be canonicalized");
  }
}

// docker/go: integers as decimal; floats only when integral (Go emits 1.0 as 1), else
// "json: unsupported value". Nothing above int64 survives Go's decoding into float64/int64.
Status notary_number(std::string& out, const Json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    out += std::to_string(v.get<std::int64_t>());
    return {};
  }
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX))
      return fail(Errc::unsupported_value, "integer " + std::to_string(u) + " is out of Notary's int64 range");
    out += std::to_string(u);
    return {};
  }
  double d = v.get<double>();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) >= 9223372036854775808.0)
    return fail(Errc::unsupported_value, "non-integral number " + v.dump() + " cannot be canonicalized");
  out += std::to_string(static_cast<std::int64_t>(d));
  return {};
}

// securesystemslib formats.py _encode_canonical: integers only, "I cannot encode 1.0".
Status sslib_number(std::string& out, const Json& v) {
  if (v.is_number_float())
    return fail(Errc::unsupported_value, "securesystemslib canonical JSON cannot encode the float " + v.dump());
  out += v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>()) : std::to_string(v.get<std::int64_t>());
  return {};
}

// ---- RFC 8785 JCS (cnab-go) ----

// RFC 8785 3.2.2.2: strings escape '"', '\', and U+0000..U+001F (short forms where JSON has them,
// else \u00xx in lowercase hex); everything else, '<' '>' '&' U+2028 included, is literal.
void append_quoted_jcs(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// RFC 8785 3.2.2.3: numbers as ECMAScript Number.prototype.toString of the IEEE-754 double.
Status append_number_jcs(std::string& out, double d) {
  if (!std::isfinite(d)) return fail(Errc::unsupported_value, "NaN and Infinity are not JSON numbers");
  if (d == 0) {  // also -0
    out += '0';
    return {};
  }
  if (d < 0) {
    out += '-';
    d = -d;
  }
  // Shortest round-trip digits (the same digits ECMAScript picks), in scientific form.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  auto epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  int exp10 = std::stoi(sci.substr(epos + 1));
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // position of the decimal point relative to the digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1 >= 0) ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return {};
}

// UTF-16 code units of a valid UTF-8 string (the parser guarantees validity).
std::u16string to_utf16(const std::string& s) {
  std::u16string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int len;
    if (c < 0x80) { cp = c; len = 1; }
    else if (c >> 5 == 6) { cp = c & 0x1f; len = 2; }
    else if (c >> 4 == 14) { cp = c & 0x0f; len = 3; }
    else { cp = c & 0x07; len = 4; }
    for (int j = 1; j < len && i + static_cast<std::size_t>(j) < s.size(); ++j)
      cp = cp << 6 | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(j)]) & 0x3f);
    i += static_cast<std::size_t>(len);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (cp >> 10));
      out += static_cast<char16_t>(0xdc00 + (cp & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

Status jcs_encode(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: out += "null"; return {};
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return {};
    case Json::value_t::number_integer: return append_number_jcs(out, static_cast<double>(v.get<std::int64_t>()));
    case Json::value_t::number_unsigned: return append_number_jcs(out, static_cast<double>(v.get<std::uint64_t>()));
    case Json::value_t::number_float: return append_number_jcs(out, v.get<double>());
    case Json::value_t::string: append_quoted_jcs(out, v.get_ref<const std::string&>()); return {};
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        SIGNY_TRY_VOID(jcs_encode(out, e));
      }
      out += ']';
      return {};
    }
    case Json::value_t::object: {
      // RFC 8785 3.2.3: members sorted by the UTF-16 code units of their names.
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(v.size());
      for (const auto& [k, e] : v.items()) keys.emplace_back(to_utf16(k), &k);
      std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [u16, k] : keys) {
        if (!first) out += ',';
        first = false;
        append_quoted_jcs(out, *k);
        out += ':';
        SIGNY_TRY_VOID(jcs_encode(out, v.at(*k)));
      }
      out += '}';
      return {};
    }
    default: return fail(Errc::unsupported_value, "value of this type cannot be canonicalized");
  }
}

}  // namespace

void append_notary_string(std::string& out, std::string_view s) { append_quoted_minimal(out, s); }

Result<std::string> notary_canonical(const Json& value) {
  std::string out;
  SIGNY_TRY_VOID(minimal_encode(out, value, notary_number));
  return out;
}

Result<std::string> sslib_canonical(const Json& value) {
  std::string out;
  SIGNY_TRY_VOID(minimal_encode(out, value, sslib_number));
  return out;
}

Result<std::string> cnab_canonical(const Json& value) {
  std::string out;
  SIGNY_TRY_VOID(jcs_encode(out, value));
  return out;
}

std::string go_html_escape(std::string_view in) {
  std::string out;
  append_go_html_escaped(out, in);
  return out;
}

void append_go_html_escaped(std::string& out, std::string_view in) {
  out.reserve(out.size() + in.size() + 64);
  std::size_t run = 0;  // unescaped bytes are copied in runs
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    const char* esc = nullptr;
    std::size_t skip = 0;
    if (c == '<') esc = "\\u003c";
    else if (c == '>') esc = "\\u003e";
    else if (c == '&') esc = "\\u0026";
    else if (c == '\xe2' && i + 2 < in.size() && in[i + 1] == '\x80' && (in[i + 2] == '\xa8' || in[i + 2] == '\xa9')) {
      esc = in[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      skip = 2;
    }
    if (!esc) continue;
    out.append(in, run, i - run);
    out += esc;
    i += skip;
    run = i + 1;
  }
  out.append(in, run, in.size() - run);
}

Status check_cnab_canonical(std::string_view bundle_json, const ParseLimits& limits) {
  auto parsed = parse_strict(bundle_json, limits);
  if (!parsed) return tl::unexpected(parsed.error().context("bundle.json"));
  auto canonical = cnab_canonical(*parsed);
  if (!canonical) return tl::unexpected(canonical.error().context("bundle.json"));
  if (*canonical == bundle_json) return {};
  std::size_t i = 0;
  while (i < canonical->size() && i < bundle_json.size() && (*canonical)[i] == bundle_json[i]) ++i;
  return fail(Errc::not_canonical, "bundle.json is not canonical JSON (RFC 8785): first difference at byte " +
                                       std::to_string(i) + "; run `signy bundle canonicalize`");
}

}  // namespace signy::cjson
