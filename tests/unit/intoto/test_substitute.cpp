// Parameter substitution: in-toto 1.3.1 verifylib.substitute_parameters, i.e. Python's
// str.format(**params). Expected values and refusals were checked with python3 3.11.
#include <catch2/catch.hpp>

#include "signy/intoto/metadata.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::intoto;
using Json = cjson::Json;

TEST_CASE("format_parameters gives what str.format gives") {
  Parameters p{{"N", "ab"}, {"W", "3"}, {"under_score-1", "u"}, {"-1", "minus"}, {"E", "\xc3\xa9t\xc3\xa9"}};
  struct Case {
    const char* in;
    const char* out;
  };
  for (const auto& c : std::vector<Case>{
           {"", ""},
           {"plain", "plain"},
           {"{N}", "ab"},
           {"x{N}y{N}", "xabyab"},
           {"{under_score-1}", "u"},
           {"{-1}", "minus"},           // not all digits: a keyword, not an index
           {"{{N}}", "{N}"},
           {"{{", "{"},
           {"}}", "}"},
           {"{{{N}}}", "{ab}"},
           {"{N!s}", "ab"},
           {"{N:}", "ab"},
           {"{N:5}", "ab   "},
           {"{N:>5}", "   ab"},
           {"{N:^6}", "  ab  "},
           {"{N:^5}", " ab  "},
           {"{N:x<5}", "abxxx"},
           {"{N:\xc3\xa9^5}", "\xc3\xa9" "ab" "\xc3\xa9\xc3\xa9"},  // fill is one code point
           {"{N:.1}", "a"},
           {"{N:.0}", ""},
           {"{N:5.1s}", "a    "},
           {"{N!s:>4}", "  ab"},
           {"{E:5}", "\xc3\xa9t\xc3\xa9  "},  // width counts code points
           {"{E:.2}", "\xc3\xa9t"},
           {"{N:1}", "ab"},
       }) {
    INFO(c.in);
    auto got = format_parameters(c.in, p);
    REQUIRE(got);
    CHECK(*got == c.out);
  }
}

TEST_CASE("format_parameters refuses what str.format refuses, and what signy does not implement") {
  Parameters p{{"N", "ab"}, {"W", "3"}, {"0", "zero"}};
  for (const char* in : {
           // Python raises (KeyError, IndexError, ValueError):
           "{X}", "{ N}", "{0}", "{}", "{N", "a{", "}", "{N}}", "{N!}", "{N!sx}", "{N!q}", "{N:=5}", "{N:+}", "{N:-}",
           "{N: }", "{N:#}", "{N:d}", "{N:ss}", "{N:,}", "{N:_}", "{N:.}", "{a{b}}", "{N:z}",
           // Python accepts, signy refuses (documented): attribute/index access, repr/ascii
           // conversions, nested fields in a spec, the 0 flag, widths over 4096.
           "{N.upper}", "{N[0]}", "{N!r}", "{N!a}", "{N:>{W}}", "{N:05}", "{N:5000}", "{N:.99999999999999999999}"}) {
    INFO(in);
    auto got = format_parameters(in, p);
    REQUIRE(!got);
    CHECK(got.error().code == Errc::malformed_json);
  }
  CHECK(format_parameters("{X}", p).error().message == "no parameter \"X\"");
}

namespace {
Layout templated_layout() {
  Json j{{"_type", "layout"},
         {"expires", "2036-01-01T00:00:00Z"},
         {"readme", "{N} is not substituted here"},
         {"keys", Json::object()},
         {"steps", Json::array({Json{{"_type", "step"},
                                     {"name", "{N}"},
                                     {"expected_materials", Json::array({Json::array({"MATCH", "{PAT}", "IN", "{SRC}", "WITH", "PRODUCTS", "FROM", "{STEP}"})})},
                                     {"expected_products", Json::array({Json::array({"CREATE", "{OUT}/x"})})},
                                     {"pubkeys", Json::array()},
                                     {"expected_command", Json::array({"make", "{TARGET}", "{{literal}}"})},
                                     {"threshold", 1}}})},
         {"inspect", Json::array({Json{{"_type", "inspection"},
                                       {"name", "untar"},
                                       {"expected_materials", Json::array({Json::array({"REQUIRE", "{OUT}.tar.gz"})})},
                                       {"expected_products", Json::array({Json::array({"ALLOW", "{OUT}/*"})})},
                                       {"run", Json::array({"tar", "xzf", "{OUT}.tar.gz"})}}})}};
  return layout_from_json(j).value();
}
}  // namespace

TEST_CASE("substitute_parameters: rules, expected_command and run, nothing else, rules parsed again") {
  auto l = templated_layout();
  Parameters p{{"N", "n"}, {"PAT", "*.c"}, {"SRC", "lib"}, {"STEP", "build"}, {"OUT", "dist"}, {"TARGET", "all"}};
  auto s = substitute_parameters(l, p);
  REQUIRE(s);
  const auto& step = s->steps[0];
  CHECK(step.name == "{N}");
  CHECK(s->readme == "{N} is not substituted here");
  CHECK(step.expected_command == std::vector<std::string>{"make", "all", "{literal}"});
  const auto& m = step.expected_materials[0];
  CHECK(m.type == RuleType::match);
  CHECK(m.pattern == "*.c");
  CHECK(m.source_prefix == "lib");
  CHECK(m.dest_name == "build");
  CHECK(m.words == std::vector<std::string>{"MATCH", "*.c", "IN", "lib", "WITH", "PRODUCTS", "FROM", "build"});
  CHECK(step.expected_products[0].pattern == "dist/x");
  CHECK(s->inspect[0].expected_materials[0].pattern == "dist.tar.gz");
  CHECK(s->inspect[0].expected_products[0].pattern == "dist/*");
  CHECK(s->inspect[0].run == std::vector<std::string>{"tar", "xzf", "dist.tar.gz"});
  // The original is untouched (its signature covers the templates).
  CHECK(l.steps[0].expected_materials[0].pattern == "{PAT}");

  // A parameter missing for any word aborts (KeyError in the reference), naming where.
  p.erase("TARGET");
  auto err = substitute_parameters(l, p);
  REQUIRE(!err);
  CHECK(err.error().message.find("layout step \"{N}\" expected_command[1] \"{TARGET}\"") != std::string::npos);
  CHECK(err.error().message.find("no parameter \"TARGET\"") != std::string::npos);
  // Parameter names are [a-zA-Z0-9_-]+ (in_toto.formats.PARAMETER_DICTIONARY_KEY).
  for (const char* name : {"", "a b", "a.b", "\xc3\xa9"}) {
    INFO(name);
    CHECK(!substitute_parameters(l, Parameters{{name, "x"}}));
  }
}

TEST_CASE("a rule that substitution makes malformed is an error naming the item and rule") {
  Json j = to_json(templated_layout());
  j["steps"][0]["expected_products"] = Json::array({Json::array({"{KW}", "x"})});
  auto l = layout_from_json(j);
  REQUIRE(!l);  // already refused at load: the keyword itself is a template
  j["steps"][0]["expected_products"] = Json::array({Json::array({"MATCH", "x", "WITH", "{KIND}", "FROM", "s"})});
  l = layout_from_json(j);
  REQUIRE(!l);  // {KIND} is not MATERIALS or PRODUCTS at load either
  j["steps"][0]["expected_products"] = Json::array({Json::array({"ALLOW", "{P}"})});
  auto ok = layout_from_json(j).value();
  Parameters p{{"N", "n"}, {"PAT", "*"}, {"SRC", "s"}, {"STEP", "b"}, {"OUT", "o"}, {"TARGET", "t"}, {"P", "x"}};
  CHECK(substitute_parameters(ok, p));
}
