// The cached root is the trust anchor (issue 7 item 5): when it is present but cannot be used
// (unreadable, not a regular file, over the size limit, unparsable, not signed by its own keys),
// the refresh fails closed with Errc::damaged_trust_anchor naming the file and the reset command;
// nothing is fetched, nothing is trusted on first use and the damaged file is left for the user.
// Trust on first use happens only when no root.json exists.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "signy/cjson/cjson.hpp"
#include "signy/tuf/updater.hpp"
#include "signy/util/file.hpp"
#include "simulator.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::tuf;
namespace fs = std::filesystem;
using testsim::Simulator;

namespace {

// The simulator's current files, each fetch logged.
class Source : public MetadataSource {
 public:
  explicit Source(Simulator& sim) : sim_(sim) {}
  std::vector<std::string> log;
  Result<std::string> get(std::string_view role, std::size_t max) {
    log.push_back(std::string(role));
    std::string b = role == "root"        ? sim_.root_bytes
                    : role == "timestamp" ? sim_.timestamp_bytes
                    : role == "snapshot"  ? sim_.snapshot_bytes
                                          : sim_.targets_bytes;
    if (b.size() > max) return fail(Errc::too_large, "over the limit");
    return b;
  }
  Result<std::string> fetch(std::string_view role, std::size_t max) override { return get(role, max); }
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view, std::size_t max) override {
    return get(role, max);
  }
  Result<std::string> fetch_by_version(std::string_view, std::int64_t, std::size_t) override {
    log.push_back("root by version");
    return fail(Errc::not_found, "no such version");
  }

 private:
  Simulator& sim_;
};

// A cache that a first refresh filled, whose root.json `damage` then replaces.
struct Damaged {
  Simulator sim;
  Source src{sim};
  TempDir dir;
  fs::path root_path() const { return dir.path() / "root.json"; }
  Damaged() { REQUIRE(Updater("g", dir.path(), src, sim.now).refresh()); }

  // Refreshes again and checks the fail-closed refusal; returns its message.
  std::string refuse(UpdaterConfig cfg = {}) {
    src.log.clear();
    Updater up("g", dir.path(), src, sim.now, cfg);
    auto st = up.refresh();
    REQUIRE(!st);
    CHECK(st.error().code == Errc::damaged_trust_anchor);
    CHECK(st.error().category() == ErrorCategory::local_io);
    const auto& msg = st.error().message;
    CHECK(msg.find(root_path().string()) != std::string::npos);
    CHECK(msg.find("signy delete g") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(!up.used_tofu());
    CHECK(src.log.empty());  // no root (nor anything else) fetched to replace it
    return msg;
  }
  void replace_with(const std::string& bytes) {
    fs::remove(root_path());
    REQUIRE(atomic_write(root_path(), bytes, 0600));
  }
};

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("damaged root: a directory, a FIFO, or a symlink to either, is refused") {
  SECTION("directory") {
    Damaged d;
    fs::remove(d.root_path());
    fs::create_directory(d.root_path());
    CHECK(contains(d.refuse(), "not a regular file (directory)"));
    CHECK(fs::is_directory(d.root_path()));  // left for the user to inspect
  }
  SECTION("FIFO") {
    Damaged d;
    fs::remove(d.root_path());
    REQUIRE(::mkfifo(d.root_path().c_str(), 0600) == 0);
    CHECK(contains(d.refuse(), "not a regular file (FIFO)"));
  }
  SECTION("symlink to a directory") {
    Damaged d;
    fs::remove(d.root_path());
    fs::create_directory(d.dir.path() / "elsewhere");
    fs::create_symlink(d.dir.path() / "elsewhere", d.root_path());
    CHECK(contains(d.refuse(), "not a regular file (directory)"));
  }
  SECTION("symlink to a FIFO") {
    Damaged d;
    fs::remove(d.root_path());
    REQUIRE(::mkfifo((d.dir.path() / "fifo").c_str(), 0600) == 0);
    fs::create_symlink(d.dir.path() / "fifo", d.root_path());
    CHECK(contains(d.refuse(), "not a regular file (FIFO)"));
  }
}

TEST_CASE("damaged root: unreadable (a symlink loop, a dangling symlink, no permission) is refused") {
  SECTION("symlink loop") {
    Damaged d;
    fs::remove(d.root_path());
    fs::create_symlink("root.json", d.root_path());
    CHECK(contains(d.refuse(), "Too many levels of symbolic links"));
  }
  SECTION("dangling symlink: root.json exists as a name, so it is not a first use") {
    Damaged d;
    fs::remove(d.root_path());
    fs::create_symlink(d.dir.path() / "gone", d.root_path());
    CHECK(contains(d.refuse(), "dangling symbolic link"));
  }
  SECTION("mode 000 (only meaningful when not running as root, who reads it anyway)") {
    Damaged d;
    fs::permissions(d.root_path(), fs::perms::none);
    if (::geteuid() != 0) CHECK(contains(d.refuse(), "Permission denied"));
    else CHECK(Updater("g", d.dir.path(), d.src, d.sim.now).refresh());
  }
}

TEST_CASE("damaged root: over the size limit, unparsable, or not a root is refused") {
  SECTION("over the size limit") {
    Damaged d;
    UpdaterConfig cfg;
    cfg.max_root_size = 4096;
    d.replace_with(std::string(4097, ' '));
    CHECK(contains(d.refuse(cfg), "larger than 4096 bytes"));
  }
  SECTION("garbage") {
    Damaged d;
    d.replace_with("\x01garbage");
    d.refuse();
  }
  SECTION("empty") {
    Damaged d;
    d.replace_with("");
    d.refuse();
  }
  SECTION("another role's metadata") {
    Damaged d;
    d.replace_with(d.sim.timestamp_bytes);
    d.refuse();
  }
}

TEST_CASE("damaged root: not signed by a threshold of its own keys is refused") {
  SECTION("signed part changed after signing") {
    Damaged d;
    auto j = cjson::parse_strict(d.sim.root_bytes).value();
    j["signed"]["version"] = 7;
    d.replace_with(j.dump());
    CHECK(contains(d.refuse(), "root"));
  }
  SECTION("threshold raised to 2 with one signature") {
    Damaged d;
    d.sim.root.roles["root"].threshold = 2;
    d.sim.sign_root();
    d.replace_with(d.sim.root_bytes);
    d.refuse();
  }
  SECTION("no signatures") {
    Damaged d;
    auto j = cjson::parse_strict(d.sim.root_bytes).value();
    j["signatures"] = cjson::Json::array();
    d.replace_with(j.dump());
    d.refuse();
  }
}

TEST_CASE("trust on first use happens only when no cached root exists") {
  Simulator sim;
  Source src(sim);
  TempDir dir;
  // No metadata directory at all, then an empty one: both are a first use.
  Updater first("g", dir.path() / "missing" / "metadata", src, sim.now);
  REQUIRE(first.refresh());
  CHECK(first.used_tofu());
  Updater again("g", dir.path(), src, sim.now);
  REQUIRE(again.refresh());
  CHECK(again.used_tofu());
  // Once cached, the root is the anchor: no first use and no root download.
  src.log.clear();
  Updater cached("g", dir.path(), src, sim.now);
  REQUIRE(cached.refresh());
  CHECK(!cached.used_tofu());
  CHECK(std::find(src.log.begin(), src.log.end(), "root") == src.log.end());
}
