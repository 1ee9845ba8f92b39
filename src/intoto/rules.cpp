#include "signy/intoto/rules.hpp"

#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string_view rule_type_name(RuleType t) {
  switch (t) {
    case RuleType::match: return "MATCH";
    case RuleType::create: return "CREATE";
    case RuleType::delete_: return "DELETE";
    case RuleType::modify: return "MODIFY";
    case RuleType::allow: return "ALLOW";
    case RuleType::disallow: return "DISALLOW";
    case RuleType::require: return "REQUIRE";
  }
  return "?";
}

std::string rule_text(std::span<const std::string> words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
    if (s.size() > 200) break;
  }
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return escape_control(s);
}

Result<ArtifactRule> parse_rule(std::vector<std::string> words) {
  std::vector<std::string> lw;
  lw.reserve(words.size());
  for (const auto& w : words) lw.push_back(lower(w));
  const auto n = words.size();
  ArtifactRule r;
  if (n < 2) return fail(Errc::malformed_json, "a rule needs a type and a pattern");
  const auto& t = lw[0];
  if (t == "create") r.type = RuleType::create;
  else if (t == "delete") r.type = RuleType::delete_;
  else if (t == "modify") r.type = RuleType::modify;
  else if (t == "allow") r.type = RuleType::allow;
  else if (t == "disallow") r.type = RuleType::disallow;
  else if (t == "require") r.type = RuleType::require;
  else if (t == "match") r.type = RuleType::match;
  else
    return fail(Errc::malformed_json,
                "a rule starts with MATCH, CREATE, DELETE, MODIFY, ALLOW, DISALLOW or REQUIRE");
  r.pattern = words[1];
  if (r.type != RuleType::match) {
    if (n != 2) return fail(Errc::malformed_json, std::string(rule_type_name(r.type)) + " takes exactly one pattern");
  } else {
    // rulelib.unpack_rule's four shapes, by length and keyword positions.
    std::string dest;
    if (n == 10 && lw[2] == "in" && lw[4] == "with" && lw[6] == "in" && lw[8] == "from") {
      r.source_prefix = words[3], dest = lw[5], r.dest_prefix = words[7], r.dest_name = words[9];
    } else if (n == 8 && lw[2] == "in" && lw[4] == "with" && lw[6] == "from") {
      r.source_prefix = words[3], dest = lw[5], r.dest_name = words[7];
    } else if (n == 8 && lw[2] == "with" && lw[4] == "in" && lw[6] == "from") {
      dest = lw[3], r.dest_prefix = words[5], r.dest_name = words[7];
    } else if (n == 6 && lw[2] == "with" && lw[4] == "from") {
      dest = lw[3], r.dest_name = words[5];
    } else {
      return fail(Errc::malformed_json,
                  "MATCH must be: MATCH <pattern> [IN <prefix>] WITH (MATERIALS|PRODUCTS) [IN <prefix>] FROM <step>");
    }
    if (dest == "materials") r.dest_type = ArtifactKind::materials;
    else if (dest == "products") r.dest_type = ArtifactKind::products;
    else return fail(Errc::malformed_json, "MATCH ... WITH takes MATERIALS or PRODUCTS");
  }
  r.words = std::move(words);
  return r;
}

}  // namespace signy::intoto
