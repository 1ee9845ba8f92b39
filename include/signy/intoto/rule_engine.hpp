// in-toto artifact rule engine (in-toto 1.3.1 verifylib.verify_item_rules and the verify_*_rule
// functions; spec v1.0 section 4.3.3). The item's materials or products form a queue; the rules
// run in order, each consuming the queued artifacts it covers; what is left is allowed (the
// implicit final ALLOW). Only DISALLOW and REQUIRE fail.
//
// Choices where in-toto-golang and the Python reference differ; signy follows Python 1.3.1:
// - Patterns are Python fnmatch (POSIX, case-sensitive), on Unicode code points: `*` matches any
//   run including '/' and newlines, `?` one character, `[seq]`, `[!seq]` (`[^a]` is the set of
//   '^' and 'a'; an unclosed '[' is a literal; ranges as Python 3.11 translate() builds them,
//   reversed ranges dropped). golang uses path.Match-like matching with its own rules.
// - No default excludes here: the queue is exactly the link's artifacts (recording-time excludes
//   are the recorder's business, as in verifylib).
// - MATCH prefixes as verify_match_rule: the source prefix gets a '/' appended unless it ends in
//   one, is stripped literally (no lstrip of further '/'), and the rest is globbed; paths are
//   rebuilt with os.path.join semantics (a rest starting with '/' replaces the prefix) and '\'
//   turned into '/'. If the rebuilt source path is not one of the item's artifacts, the reference
//   raises KeyError and verification fails: signy fails with Errc::rule_failed saying so.
//   A source artifact matches when the dest artifact exists at the rebuilt dest path and the two
//   hash dicts are equal as Python dicts (same algorithms, same strings, byte-exact).
// - MATCH against a step with no link consumes nothing (verify_match_rule returns early).
// - REQUIRE is an exact name (no pattern) that must still be in the queue when the rule runs.
// - Paths are compared as recorded; symlinks are not resolved (links record resolved contents).
#pragma once
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "signy/intoto/metadata.hpp"
#include "signy/intoto/rules.hpp"

namespace signy::intoto {

// Python fnmatch.fnmatchcase(name, pattern) on POSIX (UTF-8 decoded; an invalid byte counts as
// one character).
bool fnmatch(std::string_view name, std::string_view pattern);

// Applies `rules` (a step's or inspection's expected_materials or expected_products, per
// source_type) to the link of `source_name` in `links` (step or inspection name -> its link).
// Errc::rule_failed naming the item, the rule and the artifact; Errc::rule_failed too when
// `links` has no link for source_name.
Status verify_item_rules(std::string_view source_name, ArtifactKind source_type,
                         std::span<const ArtifactRule> rules,
                         const std::map<std::string, Link>& links);

}  // namespace signy::intoto
