// Filling and emptying an inspection's private directory: sys::copy_tree and sys::clear_tree.
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "signy/sys/copy.hpp"
#include "signy/sys/sandbox.hpp"
#include "testsupport.hpp"

using namespace signy;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::size_t count(const fs::path& p) {
  std::size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(p); it != fs::recursive_directory_iterator(); ++it) ++n;
  return n;
}
}  // namespace

TEST_CASE("copy_tree: files, directories, modes and inside links, 200 files on 2 threads") {
  TempDir from, to;
  for (int i = 0; i < 200; ++i) write(from.path() / ("d" + std::to_string(i % 7)) / ("f" + std::to_string(i)), std::to_string(i));
  write(from.path() / "x.sh", "#!/bin/sh\n");
  fs::permissions(from.path() / "x.sh", fs::perms::owner_all | fs::perms::group_read | fs::perms::set_gid);
  fs::create_symlink("d0/f0", from.path() / "ln");
  fs::create_directory_symlink("d1", from.path() / "lndir");
  fs::create_symlink("missing", from.path() / "broken");
  fs::create_directories(from.path() / "empty");
  REQUIRE(sys::copy_tree(from.path(), to.path()).has_value());
  CHECK(slurp(to.path() / "d3/f3") == "3");
  CHECK(slurp(to.path() / "d3/f199") == "199");
  CHECK(fs::is_directory(to.path() / "empty"));
  struct stat st {};
  REQUIRE(::stat((to.path() / "x.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0740);
  CHECK(fs::read_symlink(to.path() / "ln") == "d0/f0");
  CHECK(fs::read_symlink(to.path() / "lndir") == "d1");
  CHECK_FALSE(fs::exists(fs::symlink_status(to.path() / "broken")));
  CHECK(count(to.path()) == count(from.path()) - 1);
}

TEST_CASE("copy_tree: one file under its own name, links out and special files refused") {
  TempDir from, to, outside;
  write(from.path() / "bundle.tgz", "b");
  REQUIRE(sys::copy_tree(from.path() / "bundle.tgz", to.path()).has_value());
  CHECK(slurp(to.path() / "bundle.tgz") == "b");

  TempDir a, a_to;
  fs::create_symlink(outside.path(), a.path() / "out");
  auto r = sys::copy_tree(a.path(), a_to.path());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unsafe_archive);
  CHECK_THAT(r.error().message, Catch::Contains("out") && Catch::Contains("outside"));

  TempDir b, b_to;
  fs::create_directories(b.path() / "sub");
  fs::create_symlink("../..", b.path() / "sub/up");
  CHECK(sys::copy_tree(b.path(), b_to.path()).error().code == Errc::unsafe_archive);

  TempDir c, c_to;
  REQUIRE(::mkfifo((c.path() / "fifo").c_str(), 0600) == 0);
  CHECK(sys::copy_tree(c.path(), c_to.path()).error().code == Errc::unsafe_archive);
  CHECK(sys::copy_tree(c.path() / "fifo", c_to.path()).error().code == Errc::unsafe_archive);
  CHECK(sys::copy_tree(c.path() / "missing", c_to.path()).error().code == Errc::io_error);
}

TEST_CASE("clear_tree: every file below goes, nothing outside is touched, unwritable directories too") {
  TempDir t, outside;
  write(outside.path() / "keep", "k");
  for (int i = 0; i < 300; ++i) write(t.path() / ("a" + std::to_string(i % 5)) / ("b" + std::to_string(i % 3)) / std::to_string(i), "x");
  fs::create_directory_symlink(outside.path(), t.path() / "a0/out");
  fs::create_symlink(outside.path() / "keep", t.path() / "a1/keeplink");
  fs::permissions(t.path() / "a2/b1", fs::perms::none);
  fs::permissions(t.path() / "a3", fs::perms::owner_read | fs::perms::owner_exec);
  sys::clear_tree(t.path(), 2);
  std::size_t files = 0, dirs = 0;
  for (auto it = fs::recursive_directory_iterator(t.path()); it != fs::recursive_directory_iterator(); ++it)
    ++(it->symlink_status().type() == fs::file_type::directory ? dirs : files);
  CHECK(files == 0);  // only the (empty) directories remain
  CHECK(dirs == 20);
  CHECK(slurp(outside.path() / "keep") == "k");
  CHECK(fs::exists(outside.path()));
}

TEST_CASE("clear_tree and PrivateDir: directories left 000 by a command are removed by a non-root owner") {
  // As root every mode is overridden: a forked child drops to uid/gid 65534 (nobody) (run as
  // non-root, it stays who it is), makes a private directory in a TMPDIR of its own, has a command
  // leave 000 and 100 directories in it, clears it and lets it go; the exit status says whether
  // TMPDIR is empty again.
  const bool root = ::geteuid() == 0;
  TempDir t;
  fs::create_directory(t.path() / "tmp");
  if (root) REQUIRE(::chown((t.path() / "tmp").c_str(), 65534, 65534) == 0);
  REQUIRE(::chmod(t.path().c_str(), 0755) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (root && (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
                 ::setresuid(65534, 65534, 65534) != 0))
      ::_exit(10);
    ::setenv("TMPDIR", (t.path() / "tmp").c_str(), 1);
    {
      auto dir = sys::PrivateDir::create();
      if (!dir) ::_exit(11);
      auto r = sys::run_bounded({"sh", "-c", "mkdir -p a/b c && touch a/b/f c/g && chmod 000 a/b a && chmod 100 c && chmod 000 ."},
                                sys::Limits{}, dir->path());
      if (!r || !r->succeeded()) ::_exit(12);
      sys::clear_tree(dir->path());
    }
    ::_exit(fs::is_empty(t.path() / "tmp") ? 0 : 13);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
