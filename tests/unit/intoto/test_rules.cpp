// Artifact rule grammar: in-toto 1.3.1 rulelib.unpack_rule. Every accepted and refused case
// below was checked against the reference (python3 -c 'in_toto.rulelib.unpack_rule(...)').
#include <catch2/catch.hpp>

#include "signy/intoto/metadata.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::intoto;
using Json = cjson::Json;
using Words = std::vector<std::string>;

TEST_CASE("generic rules: one pattern each, any keyword case") {
  struct Case {
    Words words;
    RuleType type;
  };
  for (const auto& c : std::vector<Case>{{{"CREATE", "a/*"}, RuleType::create},
                                         {{"DELETE", "a/*"}, RuleType::delete_},
                                         {{"MODIFY", "a/*"}, RuleType::modify},
                                         {{"ALLOW", "a/*"}, RuleType::allow},
                                         {{"DISALLOW", "a/*"}, RuleType::disallow},
                                         {{"REQUIRE", "a/*"}, RuleType::require},
                                         {{"create", "a/*"}, RuleType::create},
                                         {{"dIsAlLoW", "a/*"}, RuleType::disallow},
                                         {{"require", "a/*"}, RuleType::require}}) {
    INFO(rule_text(c.words));
    auto r = parse_rule(c.words);
    REQUIRE(r);
    CHECK(r->type == c.type);
    CHECK(r->pattern == "a/*");
    CHECK(r->words == c.words);
    CHECK(r->dest_name.empty());
  }
}

TEST_CASE("MATCH: the four shapes of rulelib, prefixes and names keep their case") {
  struct Case {
    Words words;
    std::string src, dst_prefix, step;
    ArtifactKind dest;
  };
  for (const auto& c : std::vector<Case>{
           {{"MATCH", "*.c", "IN", "Lib", "WITH", "PRODUCTS", "IN", "Src/", "FROM", "Build"}, "Lib", "Src/", "Build", ArtifactKind::products},
           {{"MATCH", "*.c", "IN", "lib", "WITH", "MATERIALS", "FROM", "s1"}, "lib", "", "s1", ArtifactKind::materials},
           {{"MATCH", "*.c", "WITH", "PRODUCTS", "IN", "src", "FROM", "s1"}, "", "src", "s1", ArtifactKind::products},
           {{"MATCH", "*.c", "WITH", "MATERIALS", "FROM", "s1"}, "", "", "s1", ArtifactKind::materials},
           {{"match", "*.C", "with", "products", "from", "S1"}, "", "", "S1", ArtifactKind::products},
           {{"Match", "*", "In", "IN", "With", "Materials", "In", "FROM", "From", "WITH"}, "IN", "FROM", "WITH", ArtifactKind::materials},
       }) {
    INFO(rule_text(c.words));
    auto r = parse_rule(c.words);
    REQUIRE(r);
    CHECK(r->type == RuleType::match);
    CHECK(r->pattern == c.words[1]);
    CHECK(r->source_prefix == c.src);
    CHECK(r->dest_prefix == c.dst_prefix);
    CHECK(r->dest_name == c.step);
    CHECK(r->dest_type == c.dest);
    CHECK(r->words == c.words);
  }
}

TEST_CASE("malformed rules are refused as the reference refuses them") {
  for (const auto& w : std::vector<Words>{
           {},
           {"ALLOW"},
           {"MATCH"},
           {"PERMIT", "x"},
           {"ALLOW", "x", "y"},
           {"REQUIRE", "a", "b"},
           {"CREATE", "x", "IN", "y"},
           {"MATCH", "x"},
           {"MATCH", "x", "WITH", "PRODUCTS", "FROM"},                              // 5
           {"MATCH", "x", "WITH", "PRODUCTS", "FROM", "s", "extra"},                // 7
           {"MATCH", "x", "WITH", "PRODUCT", "FROM", "s"},                          // singular (as the spec prose has it)
           {"MATCH", "x", "WITH", "ARTIFACTS", "FROM", "s"},
           {"MATCH", "x", "FROM", "PRODUCTS", "WITH", "s"},                         // keywords swapped
           {"MATCH", "x", "IN", "p", "WITH", "PRODUCTS", "IN", "q", "FROM"},        // 9
           {"MATCH", "x", "IN", "p", "WITH", "PRODUCTS", "IN", "q", "FROM", "s", "t"},
           {"MATCH", "x", "IN", "p", "WITH", "PRODUCTS", "AT", "q", "FROM", "s"},
           {"MATCH", "x", "IN", "p", "WITH", "PRODUCTS", "FROM", "s", "IN", "q"},
           {"MATCH", "x", "WITH", "PRODUCTS", "IN", "q", "FROM", "s", "x", "y"},
           {"MATCH", "x", "IN", "p", "WITH", "MATERIAL", "FROM", "s"},
           {"MATCH", "x", "WITH", "PRODUCTS", "IN", "q", "IN", "s"},
           {"MATCH", "x", "WITH ", "PRODUCTS", "FROM", "s"},                        // no trimming
       }) {
    INFO(rule_text(w));
    auto r = parse_rule(w);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::malformed_json);
  }
}

namespace {
// A minimal valid layout (as a `signed` object) whose one step and one inspection take rules.
Json layout_with(const Json& step_rules, const Json& inspection_rules) {
  return Json{{"_type", "layout"},
              {"expires", "2036-01-01T00:00:00Z"},
              {"readme", ""},
              {"keys", Json::object()},
              {"steps", Json::array({Json{{"_type", "step"},
                                          {"name", "build"},
                                          {"expected_materials", step_rules},
                                          {"expected_products", Json::array()},
                                          {"pubkeys", Json::array()},
                                          {"expected_command", Json::array()},
                                          {"threshold", 1}}})},
              {"inspect", Json::array({Json{{"_type", "inspection"},
                                            {"name", "check"},
                                            {"expected_materials", Json::array()},
                                            {"expected_products", inspection_rules},
                                            {"run", Json::array()}}})}};
}
}  // namespace

TEST_CASE("a malformed rule is a load error naming the item and the rule") {
  auto ok = layout_from_json(layout_with(Json::array({Json::array({"ALLOW", "*"})}), Json::array()));
  REQUIRE(ok);
  CHECK(ok->steps[0].expected_materials[0].type == RuleType::allow);

  auto err = layout_from_json(
      layout_with(Json::array({Json::array({"ALLOW", "*"}), Json::array({"MATCH", "*", "WITH", "PRODUCT", "FROM", "x"})}),
                  Json::array()));
  REQUIRE(!err);
  CHECK(err.error().code == Errc::malformed_json);
  CHECK(err.error().message.find("layout step \"build\" expected_materials rule 2 (MATCH * WITH PRODUCT FROM x)") == 0);
  CHECK(err.error().message.find("MATERIALS or PRODUCTS") != std::string::npos);

  err = layout_from_json(layout_with(Json::array(), Json::array({Json::array({"DISALLOW"})})));
  REQUIRE(!err);
  CHECK(err.error().message.find("layout inspection \"check\" expected_products rule 1 (DISALLOW)") == 0);

  // A rule is a list of strings (LIST_OF_ANY_STRING_SCHEMA); the rules a list of rules.
  for (const auto& bad : {Json::array({"ALLOW *"}), Json::array({Json::array({"ALLOW", 1})}),
                          Json::array({Json::array({"ALLOW", nullptr})}), Json::array({Json::object()})}) {
    INFO(bad.dump());
    err = layout_from_json(layout_with(bad, Json::array()));
    REQUIRE(!err);
    CHECK(err.error().code == Errc::malformed_json);
    CHECK(err.error().message.find("layout step \"build\" expected_materials rule 1") == 0);
  }
  err = layout_from_json(layout_with(Json::object(), Json::array()));
  REQUIRE(!err);
  CHECK(err.error().message == "layout step \"build\" \"expected_materials\" must be an array");
}

TEST_CASE("rule_text escapes control bytes and cuts long rules") {
  CHECK(rule_text(Words{"ALLOW", "a\nb"}) == "ALLOW a\\nb");
  auto t = rule_text(Words{"ALLOW", std::string(500, 'x')});
  CHECK(t.size() == 203);
  CHECK(t.ends_with("..."));
}
