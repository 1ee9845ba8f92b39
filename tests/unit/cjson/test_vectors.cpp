// Known answers from the reference tools (fixtures/, scripts/gen-fixtures.sh).
#include <catch2/catch.hpp>

#include "signy/cjson/cjson.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::cjson;

TEST_CASE("securesystemslib encode_canonical vectors") {
  for (const char* name : {"keys_order", "escapes", "numbers", "literals"}) {
    INFO(name);
    auto in = parse_strict(fixture(std::string("cjson/sslib/") + name + ".input.json")).value();
    CHECK(sslib_canonical(in).value() == fixture(std::string("cjson/sslib/") + name + ".canonical"));
  }
}

TEST_CASE("RFC 8785 vectors from the npm canonicalize reference") {
  for (const char* name : {"numbers", "strings"}) {
    INFO(name);
    auto in = parse_strict(fixture(std::string("cjson/jcs/") + name + ".input.json")).value();
    CHECK(cnab_canonical(in).value() == fixture(std::string("cjson/jcs/") + name + ".canonical"));
  }
}

TEST_CASE("bundle.json: canonical form as cnab-go writes it") {
  auto canonical = fixture("cnab/bundle.json");
  CHECK(check_cnab_canonical(canonical));
  auto pretty = fixture("cnab/bundle.pretty.json");
  CHECK(check_cnab_canonical(pretty).error().code == Errc::not_canonical);
  CHECK(cnab_canonical(parse_strict(pretty).value()).value() == canonical);
}
