// The pieces api::verify_intoto gives the in-toto verifier: the inspection runner (a private copy
// of the artifacts, bounded runs, materials and products) and the link directory loader.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "signy/api/intoto.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
const std::string kA = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";  // "a\n"

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
intoto::Inspection inspection(std::string name, std::vector<std::string> run) {
  intoto::Inspection i;
  i.name = std::move(name);
  i.run = std::move(run);
  return i;
}
// The value, or a test failure with the error's message.
intoto::Link must(Result<intoto::Link> r) {
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}
sys::Limits quick() {
  sys::Limits l;
  l.wall = 10s;
  return l;
}
}  // namespace

TEST_CASE("intoto runner: materials before, products after, in a copy that leaves the originals alone") {
  TempDir t;
  write(t.path() / "src/a.c", "a\n");
  write(t.path() / "old.link", "excluded");
  fs::create_symlink("src/a.c", t.path() / "ln");
  auto run = api::inspection_runner(t.path(), quick());
  auto link = must(run(inspection("touch", {"sh", "-c", "echo out; echo err >&2; rm src/a.c; echo b > new; pwd > where"})));
  CHECK(link.name == "touch");
  CHECK(link.command.size() == 3);
  CHECK(link.materials.size() == 2);
  CHECK(link.materials.at("src/a.c").at("sha256") == kA);
  CHECK(link.materials.at("ln").at("sha256") == kA);
  CHECK(link.products.count("src/a.c") == 0);
  CHECK(link.products.count("ln") == 0);  // broken now
  CHECK(link.products.count("new") == 1);
  CHECK(link.byproducts.at("return-value") == 0);
  CHECK(link.byproducts.at("stdout") == "out\n");
  CHECK(link.byproducts.at("stderr") == "err\n");
  CHECK(slurp(t.path() / "src/a.c") == "a\n");  // the original is untouched
  CHECK_FALSE(fs::exists(t.path() / "new"));

  // The next inspection sees what the one before left, in the same private directory.
  auto second = must(run(inspection("look", {"sh", "-c", "cat where; test -f new"})));
  CHECK(second.byproducts.at("return-value") == 0);
  std::string where = second.byproducts.at("stdout").get<std::string>();
  CHECK(where.find(t.path().string()) == std::string::npos);
  CHECK(second.materials.count("where") == 1);
}

TEST_CASE("intoto runner: a single file is copied alone under its own name") {
  TempDir t;
  write(t.path() / "bundle.tgz", "a\n");
  write(t.path() / "other", "x");
  auto link = must(api::inspection_runner(t.path() / "bundle.tgz", quick())(inspection("ls", {"true"})));
  CHECK(link.materials.size() == 1);
  CHECK(link.materials.at("bundle.tgz").at("sha256") == kA);
}

TEST_CASE("intoto runner: exit status and signals are the return value, as Python's subprocess gives them") {
  TempDir t;
  write(t.path() / "f", "x");
  auto run = api::inspection_runner(t.path(), quick());
  CHECK(run(inspection("three", {"sh", "-c", "exit 3"})).value().byproducts.at("return-value") == 3);
  CHECK(run(inspection("killed", {"sh", "-c", "kill -TERM $$"})).value().byproducts.at("return-value") == -15);
  auto none = run(inspection("empty", {})).value();
  CHECK(none.byproducts.empty());  // in_toto_run without a command: the verifier refuses it
}

TEST_CASE("intoto runner: a tripped limit fails the inspection, naming the limit and its value") {
  TempDir t;
  write(t.path() / "f", "x");
  sys::Limits l = quick();
  l.wall = 300ms;
  auto r = api::inspection_runner(t.path(), l)(inspection("loop", {"sh", "-c", "while :; do :; done"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::inspection_failed);
  CHECK(r.error().message == "in-toto: timeout limit (300 ms) reached");

  l = quick();
  l.output = 1024;
  r = api::inspection_runner(t.path(), l)(inspection("chatty", {"sh", "-c", "yes"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "in-toto: output limit (1 KiB) reached");

  r = api::inspection_runner(t.path(), quick())(inspection("nope", {"no-such-program-signy"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::inspection_failed);
  CHECK_THAT(r.error().message, Catch::StartsWith("in-toto: ") && Catch::Contains("no-such-program-signy"));
}

TEST_CASE("intoto runner: special files and links leading outside are refused, not copied") {
  TempDir outside, t;
  write(outside.path() / "secret", "s");
  write(t.path() / "f", "x");
  SECTION("a FIFO") {
    REQUIRE(::mkfifo((t.path() / "fifo").c_str(), 0600) == 0);
    auto r = api::inspection_runner(t.path(), quick())(inspection("i", {"true"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::unsafe_archive);
    CHECK_THAT(r.error().message, Catch::Contains("fifo") && Catch::Contains("not a regular file"));
  }
  SECTION("a link outside") {
    fs::create_symlink(outside.path() / "secret", t.path() / "abs");
    auto r = api::inspection_runner(t.path(), quick())(inspection("i", {"true"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::unsafe_archive);
    CHECK_THAT(r.error().message, Catch::Contains("abs") && Catch::Contains("outside"));
  }
  SECTION("an inspection that makes one fails at recording its products") {
    auto r = api::inspection_runner(t.path(), quick())(inspection("i", {"ln", "-s", "/etc/passwd", "pw"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::unsafe_archive);
    CHECK_THAT(r.error().message, Catch::Contains("products") && Catch::Contains("pw"));
  }
}

TEST_CASE("intoto runner: permission bits travel, set-ID bits do not") {
  TempDir t;
  write(t.path() / "run.sh", "#!/bin/sh\necho ran\n");
  fs::permissions(t.path() / "run.sh", fs::perms::owner_all | fs::perms::set_uid);
  auto link = api::inspection_runner(t.path(), quick())(inspection("i", {"sh", "-c", "./run.sh && stat -c %a run.sh"})).value();
  CHECK(link.byproducts.at("stdout") == "ran\n700\n");
}

TEST_CASE("intoto link loader: names stay inside the directory") {
  TempDir outside, t;
  write(outside.path() / "x.link", "{}");
  write(t.path() / "build.aabbccdd.link", "{\"a\":1}");
  write(t.path() / "sub.aabbccdd/inner.11223344.link", "inner");
  auto load = api::link_dir_loader(t.path());
  CHECK(load("build.aabbccdd.link").value() == std::optional<std::string>("{\"a\":1}"));
  CHECK(load("sub.aabbccdd/inner.11223344.link").value() == std::optional<std::string>("inner"));
  CHECK(load("missing.aabbccdd.link").value() == std::nullopt);
  CHECK(load("nodir.aabbccdd/x.link").value() == std::nullopt);
  CHECK(load("build.aabbccdd.link/x").value() == std::nullopt);  // ENOTDIR: not found, as the reference
  for (const std::string& bad : std::vector<std::string>{"", "/etc/passwd", "../x.link", "a/../b.link", "a//b.link", "./b.link", "a/", std::string("a\0b", 3)}) {
    auto r = load(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::unsafe_archive);
  }
  fs::create_symlink(outside.path() / "x.link", t.path() / "abs.aabbccdd.link");
  fs::create_directory_symlink(outside.path(), t.path() / "dir.aabbccdd");
  fs::create_symlink("build.aabbccdd.link", t.path() / "inside.aabbccdd.link");
  CHECK(load("abs.aabbccdd.link").error().code == Errc::unsafe_archive);
  CHECK(load("dir.aabbccdd/x.link").error().code == Errc::unsafe_archive);
  CHECK(load("inside.aabbccdd.link").value() == std::optional<std::string>("{\"a\":1}"));
  REQUIRE(::mkfifo((t.path() / "fifo.aabbccdd.link").c_str(), 0600) == 0);
  CHECK_THAT(load("fifo.aabbccdd.link").error().message, Catch::Contains("not a regular file"));
  {
    std::ofstream big(t.path() / "big.aabbccdd.link", std::ios::binary);
    big.seekp(static_cast<std::streamoff>(intoto::kMaxMetadataBytes));
    big.put('x');
  }
  CHECK(load("big.aabbccdd.link").error().code == Errc::too_large);
  // A link directory that does not exist holds no link (the reference: LinkNotFoundError).
  CHECK(api::link_dir_loader(t.path() / "missing")("build.aabbccdd.link").value() == std::nullopt);
  CHECK(api::link_dir_loader(t.path() / "build.aabbccdd.link")("x.link").value() == std::nullopt);
}

TEST_CASE("verify_intoto: the layout's expiry is compared with the command's time at full precision") {
  // in-toto compares expires with datetime.now() (microseconds): half a second after the instant
  // the layout is expired, though the whole second still equals it.
  auto priv = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  auto pub = crypto::sslib_public_key(priv).value();
  intoto::LayoutMetablock mb;
  mb.signed_.expires = "2030-01-01T00:00:00Z";
  mb.signed_.expires_at = intoto::parse_expires(mb.signed_.expires).value();
  mb.signed_.keys.emplace(pub.keyid(), intoto::LayoutKey::from(pub));
  REQUIRE(intoto::sign(mb, priv, pub));
  TempDir dir;
  api::InTotoCheck check;
  check.layout = intoto::dump(mb).value();
  check.layout_keys.emplace(pub.keyid(), pub);
  check.links = api::link_dir_loader(dir.path());
  check.artifacts = dir.path();
  api::Context ctx;
  ctx.now = TimePoint(mb.signed_.expires_at) - 1ms;
  REQUIRE(api::verify_intoto(ctx, check));
  ctx.now = TimePoint(mb.signed_.expires_at) + 500ms;
  auto r = api::verify_intoto(ctx, check);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::expired);
}
