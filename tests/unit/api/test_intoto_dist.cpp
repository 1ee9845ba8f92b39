// The names signy accepts for in-toto link files distributed through TUF (issue 9 item 6):
// "<step>.<keyid[:8]>.link" (in-toto's FILENAME_FORMAT), nothing that could name another place.
#include <catch2/catch.hpp>

#include "signy/api/intoto_dist.hpp"

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
