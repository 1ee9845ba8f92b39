// The names signy accepts for in-toto link files distributed through TUF (issue 9 item 6):
// "<step>.<keyid[:8]>.link" (in-toto's FILENAME_FORMAT), nothing that could name another place.
#include <catch2/catch.hpp>

#include <fstream>

#include "signy/api/intoto_dist.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using signy::api::valid_link_file_name;

TEST_CASE("intoto_dist: link file names are <step>.<8 lowercase hex>.link") {
  CHECK(valid_link_file_name("package.0123abcd.link"));
  CHECK(valid_link_file_name("write-code.deadbeef.link"));
  CHECK(valid_link_file_name("a.b.0123abcd.link"));  // steps may hold a single dot
}

TEST_CASE("intoto_dist: link file names with separators, dot-dot, other key IDs or suffixes are refused") {
  for (const char* bad : {"", ".link", "0123abcd.link", ".0123abcd.link", "package.0123abc.link", "package.0123abcde.link",
                          "package.0123ABCD.link", "package.0123abcg.link", "package.0123abcd.lnk", "package.0123abcd.link.json",
                          "a/b.0123abcd.link", "a\\b.0123abcd.link", "../package.0123abcd.link", "..package.0123abcd.link",
                          "evil..0123abcd.link", "pa..ck.0123abcd.link", ".hidden.0123abcd.link", "pa ck.0123abcd.link",
                          "pa\nck.0123abcd.link", "package_0123abcd.link"}) {
    INFO(bad);
    CHECK_FALSE(valid_link_file_name(bad));
  }
}

TEST_CASE("intoto_dist: the artifact tag keeping a bundle's in-toto blobs names the bundle's sha256") {
  CHECK(signy::api::in_toto_artifact_tag(std::string(64, 'a')) == "sha256-" + std::string(64, 'a') + ".in-toto");
}

// verify --in-toto --thick: the in-toto artifact is the bytes TUF verified, not the user's path
// read a second time (a file swapped after verify_thick is judged by neither otherwise).
namespace {
void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}
std::string read_file(const std::filesystem::path& p) { return signy::read_file_limited(p, 1 << 20).value(); }
struct ThickCase {
  signy::TempDir dir;
  signy::api::Context ctx;
  signy::api::VerifyResult verified;
  std::filesystem::path file;
  explicit ThickCase(const std::string& signed_bytes) {
    ctx.trust_dir = dir.path() / "trust";
    ctx.server = "file://" + (dir.path() / "server").string();
    file = dir.path() / "app.tgz";
    write_file(file, signed_bytes);
    auto bytes = signy::as_bytes(std::string_view(signed_bytes));
    verified.gun = "example.com/app";
    verified.target = "v1";
    verified.role = "targets/releases";
    verified.digests = {signed_bytes.size(), signy::crypto::sha256(bytes), signy::crypto::sha512(bytes)};
    signy::api::InTotoTargets t;
    t.listed = signy::tuf::Json::array({std::string(signy::api::kInTotoLayoutTarget)});
    signy::tuf::FileMeta layout;  // never reached when the artifact is refused first
    layout.length = 10;
    auto h = signy::crypto::sha256(signy::as_bytes(std::string_view("layout...")));
    layout.hashes.set("sha256", h);
    t.from_targets.emplace(std::string(signy::api::kInTotoLayoutTarget), layout);
    verified.in_toto = std::move(t);
  }
};
}  // namespace

TEST_CASE("intoto_dist: a thick archive swapped after TUF verified it is refused before in-toto runs (hash_mismatch naming it)") {
  ThickCase c("the archive TUF verified");
  write_file(c.file, "another archive, swapped");
  auto r = signy::api::verify_bundle_intoto(c.ctx, "example.com/app:v1", c.verified, c.file);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == signy::Errc::hash_mismatch);
  CHECK_THAT(r.error().message, Catch::Contains(c.file.string()));
  write_file(c.file, "the archive TUF verifieD");  // same length, other bytes
  r = signy::api::verify_bundle_intoto(c.ctx, "example.com/app:v1", c.verified, c.file);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == signy::Errc::hash_mismatch);
  CHECK_THAT(r.error().message, Catch::Contains(c.file.string()));
}

TEST_CASE("intoto_dist: the verified copy of a thick archive holds the bytes TUF verified, under the archive's name") {
  ThickCase c("the archive TUF verified");
  signy::TempDir out;
  auto copy = signy::api::copy_verified_file(c.file, c.verified.digests, out.path());
  REQUIRE(copy);
  CHECK(*copy == out.path() / "app.tgz");
  CHECK(read_file(*copy) == "the archive TUF verified");
  write_file(c.file, "the archive TUF verifieD");
  signy::TempDir out2;
  auto bad = signy::api::copy_verified_file(c.file, c.verified.digests, out2.path());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == signy::Errc::hash_mismatch);
  write_file(c.file, "the archive TUF verified, grown");
  signy::TempDir out3;
  auto longer = signy::api::copy_verified_file(c.file, c.verified.digests, out3.path());
  REQUIRE_FALSE(longer);
  CHECK(longer.error().code == signy::Errc::length_mismatch);
  CHECK_THAT(longer.error().message, Catch::Contains(c.file.string()));
}
