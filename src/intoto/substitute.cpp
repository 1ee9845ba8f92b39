// Layout parameter substitution (in-toto 1.3.1 verifylib.substitute_parameters), which calls
// Python's str.format(**parameters) on each word; CPython's format string grammar
// (Objects/stringlib/unicode_format.h) and string format spec (Python/formatter_unicode.c),
// for string arguments only.
#include <cstddef>

#include "signy/intoto/metadata.hpp"
#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

constexpr std::size_t kMaxWidth = 4096;  // Python has no such cap; a layout cannot make signy allocate more

tl::unexpected<Error> bad(std::string msg) { return tl::unexpected(Error{Errc::malformed_json, std::move(msg)}); }

std::string show(std::string_view s) { return "\"" + escape_control(s.substr(0, 64)) + (s.size() > 64 ? "...\"" : "\""); }

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Code points in valid UTF-8 (Python's len of a str).
std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += !is_continuation(c);
  return n;
}

// The first n code points.
std::string_view first_code_points(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < s.size(); ++i) {
    if (!is_continuation(s[i]) && seen++ == n) break;
  }
  return s.substr(0, i);
}

// Length in bytes of the UTF-8 sequence starting at s[0] (s is valid UTF-8).
std::size_t sequence_length(std::string_view s) {
  std::size_t n = 1;
  while (n < s.size() && is_continuation(s[n])) ++n;
  return n;
}

Result<std::size_t> decimal(std::string_view spec, std::size_t& pos) {
  std::size_t v = 0;
  while (pos < spec.size() && spec[pos] >= '0' && spec[pos] <= '9') {
    v = v * 10 + static_cast<std::size_t>(spec[pos++] - '0');
    if (v > kMaxWidth) return bad("a width or precision over " + std::to_string(kMaxWidth) + " is not supported");
  }
  return v;
}

// format(value, spec) for a str: [[fill]align][sign][z][#][0][width][grouping][.precision][type].
Result<std::string> format_string(const std::string& value, std::string_view spec) {
  std::string fill = " ";
  char align = '<';
  std::size_t pos = 0;
  if (!spec.empty()) {
    std::size_t first = sequence_length(spec);
    auto is_align = [](char c) { return c == '<' || c == '>' || c == '=' || c == '^'; };
    if (first < spec.size() && is_align(spec[first])) {
      fill = std::string(spec.substr(0, first));
      align = spec[first];
      pos = first + 1;
    } else if (is_align(spec[0])) {
      align = spec[0];
      pos = 1;
    }
  }
  if (pos < spec.size() && (spec[pos] == '+' || spec[pos] == '-' || spec[pos] == ' '))
    return bad("sign not allowed in string format specifier");
  if (pos < spec.size() && spec[pos] == 'z') return bad("negative zero coercion (z) not allowed in string format specifier");
  if (pos < spec.size() && spec[pos] == '#') return bad("alternate form (#) not allowed in string format specifier");
  if (pos < spec.size() && spec[pos] == '0') return bad("the 0 flag in a string format specifier is not supported");
  auto width = SIGNY_TRY(decimal(spec, pos));
  if (pos < spec.size() && (spec[pos] == ',' || spec[pos] == '_')) return bad("cannot specify ',' or '_' with 's'");
  std::optional<std::size_t> precision;
  if (pos < spec.size() && spec[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    precision = SIGNY_TRY(decimal(spec, pos));
    if (pos == start) return bad("format specifier missing precision");
  }
  if (spec.size() - pos > 1) return bad("invalid format specifier " + show(spec));
  if (pos < spec.size() && spec[pos] != 's') return bad("unknown format code " + show(spec.substr(pos)) + " for a string");
  if (align == '=') return bad("'=' alignment not allowed in string format specifier");
  std::string_view v = value;
  if (precision) v = first_code_points(v, *precision);
  std::size_t len = code_points(v);
  std::size_t pad = width > len ? width - len : 0;
  std::size_t left = align == '>' ? pad : align == '^' ? pad / 2 : 0;
  std::string out;
  for (std::size_t i = 0; i < left; ++i) out += fill;
  out += v;
  for (std::size_t i = left; i < pad; ++i) out += fill;
  return out;
}

bool valid_parameter_name(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

Result<std::vector<std::string>> format_all(const std::vector<std::string>& words, const Parameters& params,
                                            const std::string& where) {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto w = format_parameters(words[i], params);
    if (!w) return tl::unexpected(w.error().context(where + "[" + std::to_string(i) + "] " + show(words[i])));
    out.push_back(std::move(*w));
  }
  return out;
}

Result<std::vector<ArtifactRule>> substitute_rules(const std::vector<ArtifactRule>& rules, const Parameters& params,
                                                   const std::string& where) {
  std::vector<ArtifactRule> out;
  out.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::string rule_where = where + " rule " + std::to_string(i + 1) + " (" + rule_text(rules[i].words) + ")";
    auto words = SIGNY_TRY(format_all(rules[i].words, params, rule_where + " word"));
    std::string text = rule_text(words);
    auto parsed = parse_rule(std::move(words));
    if (!parsed) return tl::unexpected(parsed.error().context(rule_where + " became (" + text + ")"));
    out.push_back(std::move(*parsed));
  }
  return out;
}

}  // namespace

Result<std::string> format_parameters(std::string_view s, const Parameters& params) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      return bad("single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (i + 1 >= s.size()) return bad("single '{' encountered in format string");
    // The replacement field runs to the matching '}' (nested braces counted, as CPython does).
    std::size_t depth = 1, j = i + 1;
    for (; j < s.size(); ++j) {
      if (s[j] == '{') ++depth;
      else if (s[j] == '}' && --depth == 0) break;
    }
    if (j >= s.size()) return bad("expected '}' before end of string");
    std::string_view field = s.substr(i + 1, j - i - 1);
    i = j + 1;
    std::size_t end = field.find_first_of("!:");
    std::string_view name = field.substr(0, end);
    std::string_view conversion, spec;
    if (end != std::string_view::npos && field[end] == '!') {
      if (end + 1 >= field.size()) return bad("end of string while looking for conversion specifier");
      conversion = field.substr(end + 1, 1);
      if (end + 2 < field.size() && field[end + 2] != ':') return bad("expected ':' after conversion specifier");
      if (end + 2 < field.size()) spec = field.substr(end + 3);
    } else if (end != std::string_view::npos) {
      spec = field.substr(end + 1);
    }
    if (name.find('{') != std::string_view::npos) return bad("unexpected '{' in field name");
    if (name.empty() || name.find_first_not_of("0123456789") == std::string_view::npos)
      return bad("positional replacement field {" + escape_control(name) + "} (in-toto passes named parameters only)");
    if (name.find_first_of(".[") != std::string_view::npos)
      return bad("attribute or index access in {" + escape_control(name.substr(0, 64)) + "} is not supported");
    auto p = params.find(std::string(name));
    if (p == params.end()) return bad("no parameter " + show(name));
    if (!conversion.empty() && conversion != "s") {
      if (conversion == "r" || conversion == "a") return bad("the !" + std::string(conversion) + " conversion is not supported");
      return bad("unknown conversion specifier " + escape_control(conversion));
    }
    if (spec.find_first_of("{}") != std::string_view::npos) return bad("nested replacement fields in a format spec are not supported");
    auto v = format_string(p->second, spec);
    if (!v) return tl::unexpected(v.error().context("{" + escape_control(field.substr(0, 64)) + "}"));
    out += *v;
  }
  return out;
}

Result<Layout> substitute_parameters(const Layout& layout, const Parameters& params) {
  // in_toto.formats.PARAMETER_DICTIONARY_SCHEMA: keys [a-zA-Z0-9_-]+, values strings.
  for (const auto& [k, v] : params)
    if (!valid_parameter_name(k)) return bad("substitution parameter name " + show(k) + " is not [a-zA-Z0-9_-]+");
  Layout out = layout;
  for (auto& s : out.steps) {
    std::string where = "parameter substitution in layout step " + show(s.name);
    s.expected_materials = SIGNY_TRY(substitute_rules(s.expected_materials, params, where + " expected_materials"));
    s.expected_products = SIGNY_TRY(substitute_rules(s.expected_products, params, where + " expected_products"));
    s.expected_command = SIGNY_TRY(format_all(s.expected_command, params, where + " expected_command"));
  }
  for (auto& i : out.inspect) {
    std::string where = "parameter substitution in layout inspection " + show(i.name);
    i.expected_materials = SIGNY_TRY(substitute_rules(i.expected_materials, params, where + " expected_materials"));
    i.expected_products = SIGNY_TRY(substitute_rules(i.expected_products, params, where + " expected_products"));
    i.run = SIGNY_TRY(format_all(i.run, params, where + " run"));
  }
  return out;
}

}  // namespace signy::intoto
