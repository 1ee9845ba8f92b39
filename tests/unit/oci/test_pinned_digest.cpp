// Digests pinned in a reference (REF@sha256:HEX, REF@sha512:HEX; issue 7 item 3): only these two
// algorithms, lowercase hex of the exact length; anything else is a usage error.
#include <catch2/catch.hpp>

#include "signy/oci/reference.hpp"

using namespace signy;
using namespace signy::oci;

TEST_CASE("a pinned sha256 or sha512 digest is kept with its algorithm and hex") {
  auto a = parse_reference("example.com/app:v1@sha256:" + std::string(64, 'a')).value();
  CHECK(a.tag == "v1");
  CHECK(a.digest_algorithm() == "sha256");
  CHECK(a.digest_hex() == std::string(64, 'a'));
  auto b = parse_reference("example.com/app:v1@sha512:" + std::string(128, '0')).value();
  CHECK(b.digest_algorithm() == "sha512");
  CHECK(b.digest_hex() == std::string(128, '0'));
  CHECK(b.str() == "example.com/app:v1@sha512:" + std::string(128, '0'));
  auto none = parse_reference("example.com/app:v1").value();
  CHECK(!none.digest);
  CHECK(none.digest_algorithm().empty());
  CHECK(none.digest_hex().empty());
}

TEST_CASE("a malformed pinned digest is a usage error") {
  std::string base = "example.com/app:v1@";
  for (const std::string& bad :
       {base + "sha256:" + std::string(63, 'a'), base + "sha256:" + std::string(65, 'a'),
        base + "sha256:" + std::string(64, 'A'), base + "sha256:" + std::string(63, 'a') + "g",
        base + "sha512:" + std::string(64, 'a'), base + "sha512:" + std::string(127, 'a'),
        base + "SHA256:" + std::string(64, 'a'), base + "sha384:" + std::string(96, 'a'),
        base + "sha256:", base + "sha256", base, base + "sha256:" + std::string(64, 'a') + "@sha256:" + std::string(64, 'a'),
        base + "sha256:" + std::string(64, 'a') + " ", base + "sha256:" + std::string(64, 'a') + "\n"}) {
    INFO(bad);
    auto r = parse_reference(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("digest must be sha256:<64 hex> or sha512:<128 hex>") != std::string::npos);
  }
}
