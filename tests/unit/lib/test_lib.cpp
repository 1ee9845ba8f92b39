// libsigny's facade (include/signy/signy.hpp), through the public header alone: sign a thick
// bundle into a file:// repository, verify it, and the failures as values with their codes.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "signy/signy.hpp"

namespace fs = std::filesystem;
using namespace signy::lib;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "signy-lib-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Options options_in(const fs::path& dir) {
  Options o;
  o.trust_dir = (dir / "trust").string();
  o.passphrase = [](std::string_view role, std::string_view, bool) -> std::optional<std::string> {
    return std::string(role) + "-passphrase";
  };
  return o;
}

const std::string ref = "localhost:5000/lib/app";
}  // namespace

TEST_CASE("version is the release's") { CHECK(version() == "0.1.0"); }

TEST_CASE("sign a thick bundle, then verify it, a tampered copy and an unsigned tag") {
  TempDir dir;
  auto options = options_in(dir.path);
  fs::path bundle = dir.path / "bundle.tgz";
  fs::copy_file(fs::path(SIGNY_FIXTURES) / "cnab/thick/good.tgz", bundle);

  SignRequest s;
  s.reference = ref + ":v1";
  s.file = bundle.string();
  s.thick = true;
  auto signed_ = sign(s, options);
  REQUIRE_FALSE(signed_.error.has_value());
  CHECK(signed_.gun == ref);
  CHECK(signed_.target == "v1");
  CHECK(signed_.role == "targets");
  CHECK(signed_.version == 1);
  CHECK(signed_.initialized);
  CHECK(signed_.length == fs::file_size(bundle));
  CHECK(signed_.sha256.size() == 64);

  VerifyRequest v;
  v.reference = ref + ":v1";
  v.thick_file = bundle.string();
  v.action = "install";
  v.runtime = "test";
  auto report = verify(v, options);
  INFO(report.reason);
  REQUIRE(report.allowed);
  CHECK(report.denial == "none");
  CHECK_FALSE(report.error.has_value());
  CHECK(report.action == "install");
  CHECK(report.runtime == "test");
  CHECK(report.gun == ref);
  CHECK(report.role == "targets");
  CHECK(report.role_version == 1);
  CHECK(report.length == signed_.length);
  CHECK(report.sha256 == signed_.sha256);
  CHECK(report.sha512 == signed_.sha512);
  CHECK(report.bundle_json.find("\"schemaVersion\"") != std::string::npos);
  REQUIRE(report.images.size() == 2);
  for (const auto& i : report.images) CHECK(i.reference.find("@sha256:") != std::string::npos);
  REQUIRE_FALSE(report.checks.empty());
  CHECK(report.checks.front().name == "policy");
  for (const auto& c : report.checks) CHECK(c.status != "failed");

  SECTION("a tampered copy is denied by its digest") {
    fs::path cut = dir.path / "cut.tgz";
    fs::copy_file(bundle, cut);
    {
      std::fstream f(cut, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(4);
      f.put('\x01');  // gzip MTIME (RFC 1952 2.3.1): still a readable archive
    }
    v.thick_file = cut.string();
    auto r = verify(v, options);
    CHECK_FALSE(r.allowed);
    CHECK(r.denial == "verification");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == "hash_mismatch");
    CHECK(r.error->category == "verification");
    CHECK(r.error->exit_code == 1);
    CHECK_FALSE(r.reason.empty());
    bool failed_digest = false;
    for (const auto& c : r.checks)
      if (c.name == "bundle-digest" && c.status == "failed") failed_digest = c.error_code == "hash_mismatch";
    CHECK(failed_digest);
  }
  SECTION("an unsigned tag is not_signed") {
    v.reference = ref + ":v9";
    auto r = verify(v, options);
    CHECK_FALSE(r.allowed);
    CHECK(r.denial == "not_signed");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == "not_signed");
  }
  SECTION("a policy file that does not exist denies") {
    options.policy_file = (dir.path / "absent.json").string();
    auto r = verify(v, options);
    CHECK_FALSE(r.allowed);
    REQUIRE(r.error.has_value());
    CHECK(r.error->exit_code != 0);
  }
  SECTION("a second sign without passphrases fails as a value") {
    fs::path b2 = dir.path / "b2.tgz";
    fs::copy_file(bundle, b2);
    options.passphrase = [](std::string_view, std::string_view, bool) -> std::optional<std::string> { return std::nullopt; };
    s.reference = ref + ":v2";
    s.file = b2.string();
    auto r = sign(s, options);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == "no_passphrase");
    CHECK(r.error->category == "local_io");
    CHECK(r.error->exit_code == 5);
  }
}

TEST_CASE("bad requests are values, never exceptions") {
  TempDir dir;
  auto options = options_in(dir.path);
  VerifyRequest v;
  v.reference = "not a reference";
  auto r = verify(v, options);
  CHECK_FALSE(r.allowed);
  CHECK(r.error.has_value());
  SignRequest s;
  s.reference = ref + ":v1";
  s.file = (dir.path / "missing.tgz").string();
  s.thick = true;
  auto sr = sign(s, options);
  REQUIRE(sr.error.has_value());
  CHECK(sr.error->exit_code != 0);
  s.file.clear();
  CHECK(sign(s, options).error->code == "usage");
  options.timeout = std::chrono::milliseconds(0);
  CHECK(sign(s, options).error->code == "usage");
}
