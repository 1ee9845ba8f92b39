// Recording artifacts as an inspection does (in_toto_run(name, ["."], ["."], ...)). The same
// trees are compared with the reference's own recording in tests/interop/intoto_record.sh; these
// cases pin each choice with known digests.
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>

#include "signy/crypto/digest.hpp"
#include "signy/intoto/record.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
namespace fs = std::filesystem;

namespace {
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kA = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";  // "a\n"

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}
std::string sha(const intoto::ArtifactMap& m, const std::string& k) { return m.at(k).at("sha256"); }
}  // namespace

TEST_CASE("record: the default excludes match one whole path component") {
  CHECK(intoto::excluded_by_default("a.link"));
  CHECK(intoto::excluded_by_default(".link"));
  CHECK(intoto::excluded_by_default("x.linkfoo"));
  CHECK(intoto::excluded_by_default(".git"));
  CHECK(intoto::excluded_by_default("m.pyc"));
  CHECK(intoto::excluded_by_default("back~"));
  CHECK(intoto::excluded_by_default("~"));
  CHECK_FALSE(intoto::excluded_by_default("a.lin"));
  CHECK_FALSE(intoto::excluded_by_default(".gitignore"));
  CHECK_FALSE(intoto::excluded_by_default("x.git"));
  CHECK_FALSE(intoto::excluded_by_default("m.pyc.txt"));
  CHECK_FALSE(intoto::excluded_by_default("linkx"));
}

TEST_CASE("record: files by relative path, sha256 hex, excludes pruned, special files skipped") {
  TempDir t;
  const auto& b = t.path();
  write(b / "src/a.c", "a\n");
  write(b / "src/sub/deep/e", "");
  write(b / ".git/objects/o", "g");
  write(b / "d/.git/z", "z");
  write(b / "x.link.d/f", "in a pruned directory");
  write(b / "step.abcd1234.link", "{}");
  write(b / "m.pyc", "p");
  write(b / "back~", "t");
  write(b / ".gitignore", "k");
  REQUIRE(::mkfifo((b / "fifo").c_str(), 0600) == 0);
  fs::create_directories(b / "emptydir");
  for (unsigned threads : {1u, 2u, 4u}) {
    auto m = intoto::record_artifacts(b, {threads, 1000}).value();
    CHECK(m.size() == 3);
    CHECK(sha(m, "src/a.c") == kA);
    CHECK(sha(m, "src/sub/deep/e") == kEmpty);
    CHECK(m.count(".gitignore") == 1);
    CHECK(m.at("src/a.c").size() == 1);
  }
}

TEST_CASE("record: symbolic links are followed below the base, under the link's own path") {
  TempDir t;
  const auto& b = t.path();
  write(b / "real/r.txt", "a\n");
  fs::create_symlink("real/r.txt", b / "lnfile");
  fs::create_directory_symlink("real", b / "lndir");
  fs::create_symlink("nowhere", b / "broken");
  fs::create_symlink("real/r.txt", b / "x.link");  // excluded by its own name
  auto m = intoto::record_artifacts(b).value();
  CHECK(m.size() == 3);
  CHECK(sha(m, "lnfile") == kA);
  CHECK(sha(m, "lndir/r.txt") == kA);
  CHECK(sha(m, "real/r.txt") == kA);
}

TEST_CASE("record: a link leading outside the base, or back into its ancestry, is refused") {
  TempDir outside, t;
  write(outside.path() / "secret", "s");
  write(t.path() / "in/f", "a\n");
  SECTION("absolute") {
    fs::create_symlink(outside.path() / "secret", t.path() / "in/abs");
    auto m = intoto::record_artifacts(t.path());
    REQUIRE_FALSE(m);
    CHECK(m.error().code == Errc::unsafe_archive);
    CHECK_THAT(m.error().message, Catch::Contains("in/abs") && Catch::Contains("outside"));
  }
  SECTION("relative, up") {
    fs::create_directory_symlink("../..", t.path() / "in/up");
    auto m = intoto::record_artifacts(t.path());
    REQUIRE_FALSE(m);
    CHECK(m.error().code == Errc::unsafe_archive);
  }
  SECTION("a cycle") {
    fs::create_directory_symlink("..", t.path() / "in/loop");
    auto m = intoto::record_artifacts(t.path());
    REQUIRE_FALSE(m);
    CHECK(m.error().code == Errc::unsafe_archive);
    CHECK_THAT(m.error().message, Catch::Contains("in/loop"));
  }
  SECTION("the /dev/zero trap") {
    fs::create_symlink("/dev/zero", t.path() / "zero");
    CHECK(intoto::record_artifacts(t.path()).error().code == Errc::unsafe_archive);
  }
}

TEST_CASE("record: names that are not UTF-8, too many files, a missing base") {
  TempDir t;
  write(t.path() / "\xe9.txt", "x");
  auto m = intoto::record_artifacts(t.path());
  REQUIRE_FALSE(m);
  CHECK(m.error().code == Errc::unsupported_value);
  CHECK_THAT(m.error().message, Catch::Contains("not UTF-8"));

  TempDir u;
  for (int i = 0; i < 5; ++i) write(u.path() / std::to_string(i), "x");
  CHECK(intoto::record_artifacts(u.path(), {2, 5}).has_value());
  CHECK(intoto::record_artifacts(u.path(), {2, 4}).error().code == Errc::too_large);
  CHECK(intoto::record_artifacts(u.path() / "nope").error().code == Errc::io_error);
}

TEST_CASE("record: more directories than are kept open give the same digests") {
  // Files are opened by name in their directory, kept open for the first 256 directories; the
  // others are opened by path below the base: both give the same digests.
  TempDir t;
  const auto& b = t.path();
  for (int i = 0; i < 300; ++i) write(b / ("d" + std::to_string(i)) / "f", "a\n");
  write(b / "top", "");
  for (unsigned threads : {1u, 2u}) {
    auto m = intoto::record_artifacts(b, {threads, 1000}).value();
    REQUIRE(m.size() == 301);
    for (int i = 0; i < 300; ++i) CHECK(sha(m, "d" + std::to_string(i) + "/f") == kA);
    CHECK(sha(m, "top") == kEmpty);
  }
}

TEST_CASE("record: a backslash in a name is recorded as '/', the later file in walk order wins") {
  // runlib.record_artifacts_as_dict: filepath.replace("\\", "/"), then artifacts_dict[key] = ...
  // over an os.walk (a directory's files, then its subdirectories): a rule DISALLOW dir/* sees
  // "dir\evil" as dir/evil.
  TempDir t;
  const auto& b = t.path();
  write(b / "dir\\evil", "a\n");
  write(b / "x\\y", "a\n");  // collides with x/y below, written first
  write(b / "x/y", "");
  write(b / "p/q\\r\\s", "a\n");
  for (unsigned threads : {1u, 2u}) {
    auto m = intoto::record_artifacts(b, {threads, 1000}).value();
    CHECK(m.size() == 3);
    CHECK(sha(m, "dir/evil") == kA);
    CHECK(sha(m, "x/y") == kEmpty);
    CHECK(sha(m, "p/q/r/s") == kA);
    CHECK(m.count("dir\\evil") == 0);
  }
}

TEST_CASE("record: a symbolic link loop is skipped as a broken link") {
  // os.path.isfile / os.path.exists are false for it (ELOOP): runlib skips it.
  TempDir t;
  write(t.path() / "f", "a\n");
  fs::create_symlink("loop", t.path() / "loop");
  fs::create_symlink("b", t.path() / "a");
  fs::create_symlink("a", t.path() / "b");
  auto m = intoto::record_artifacts(t.path()).value();
  CHECK(m.size() == 1);
  CHECK(sha(m, "f") == kA);
}

TEST_CASE("record: a link with an excluded name is pruned before it is resolved, even one leading outside") {
  // runlib applies the exclude patterns to the names os.walk lists; it never resolves them.
  TempDir outside, t;
  write(outside.path() / "secret", "s");
  write(t.path() / "f", "a\n");
  fs::create_directory_symlink(outside.path(), t.path() / "cache.link");
  fs::create_directory_symlink(outside.path(), t.path() / ".git");
  fs::create_symlink(outside.path() / "secret", t.path() / "x.pyc");
  fs::create_symlink("/dev/zero", t.path() / "zero~");
  auto m = intoto::record_artifacts(t.path()).value();
  CHECK(m.size() == 1);
  CHECK(sha(m, "f") == kA);
}

TEST_CASE("record: as a non-root user, directories it cannot list or search are skipped as os.walk skips them") {
  // A forked child drops to uid/gid 65534 when run as root (every mode is overridden for root);
  // exit status 0: exactly the readable file recorded.
  const bool root = ::geteuid() == 0;
  TempDir t;
  const auto& b = t.path();
  write(b / "f", "a\n");
  write(b / "none/x", "a\n");
  write(b / "xonly/x", "a\n");
  write(b / "ronly/x", "a\n");
  write(b / "ronly/sub/y", "a\n");
  fs::create_directory_symlink("ronly", b / "rl");
  fs::create_symlink("ronly/x", b / "xl");
  if (root)
    for (auto it = fs::recursive_directory_iterator(b); it != fs::recursive_directory_iterator(); ++it)
      REQUIRE(::lchown(it->path().c_str(), 65534, 65534) == 0);
  REQUIRE(::chmod(b.c_str(), 0755) == 0);
  REQUIRE(::chmod((b / "none").c_str(), 0) == 0);
  REQUIRE(::chmod((b / "xonly").c_str(), 0100) == 0);
  REQUIRE(::chmod((b / "ronly").c_str(), 0400) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (root && (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
                 ::setresuid(65534, 65534, 65534) != 0))
      ::_exit(10);
    auto m = intoto::record_artifacts(b, {1, 1000});
    if (!m) ::_exit(11);
    ::_exit(m->size() == 1 && m->count("f") == 1 ? 0 : 12);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::permissions(b / "none", fs::perms::owner_all);
  fs::permissions(b / "xonly", fs::perms::owner_all);
  fs::permissions(b / "ronly", fs::perms::owner_all);
}

TEST_CASE("record: files of every size around the 64 KiB read hash whole, as sha256sum hashes them") {
  // The last read of a file ends its hash early only when it is short and brings the bytes to
  // exactly the size fstat gave; sizes at and around the buffer's edges, and across several reads.
  TempDir t;
  const auto& b = t.path();
  std::map<std::string, std::string> content;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536}, std::size_t{65537},
                           std::size_t{131072}, std::size_t{200000}}) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 3) % 26);
    content["f" + std::to_string(size)] = s;
    write(b / ("f" + std::to_string(size)), s);
  }
  auto m = intoto::record_artifacts(b, {2, 1000}).value();
  REQUIRE(m.size() == content.size());
  for (const auto& [name, s] : content) {
    const auto d = crypto::sha256(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    INFO(name);
    CHECK(sha(m, name) == hex_encode(d));
  }
}
