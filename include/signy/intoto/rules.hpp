// in-toto artifact rules (in-toto 1.3.1 in_toto/rulelib.py unpack_rule; spec v1.0 section 4.3.3):
// each rule is a list of strings, parsed once into a typed value when the layout loads.
//   MATCH <pattern> [IN <source-prefix>] WITH (MATERIALS|PRODUCTS) [IN <dest-prefix>] FROM <step>
//   CREATE|DELETE|MODIFY|ALLOW|DISALLOW <pattern>, REQUIRE <file name>
// Keywords are case-insensitive (Python str.lower(), which for these ASCII keywords is ASCII
// lowercasing); patterns, prefixes and step names keep their case.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::intoto {

enum class RuleType { match, create, delete_, modify, allow, disallow, require };
enum class ArtifactKind { materials, products };

struct ArtifactRule {
  RuleType type = RuleType::allow;
  std::string pattern;        // REQUIRE: the exact artifact name (never a pattern)
  // MATCH only ("" when the rule has no IN for that side, as rulelib returns them)
  std::string source_prefix;
  ArtifactKind dest_type = ArtifactKind::materials;
  std::string dest_prefix;
  std::string dest_name;
  std::vector<std::string> words;  // the rule as written: what the layout signs
};

// rulelib.unpack_rule: Errc::malformed_json saying what is wrong (no step context; the layout
// loader adds it).
Result<ArtifactRule> parse_rule(std::vector<std::string> words);

// "MATCH foo WITH PRODUCTS FROM build": the words joined by spaces, control bytes escaped, cut
// after 200 bytes (for error messages).
std::string rule_text(std::span<const std::string> words);

std::string_view rule_type_name(RuleType t);  // "MATCH", "CREATE", ...

}  // namespace signy::intoto
