// TAP 4 through api::verify_thick: three file:// repositories, each published from its own TUF
// simulator (its own root keys), and a map that names which of them must agree on a target.
#include <sys/inotify.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "signy/api/api.hpp"
#include "signy/api/verify_bundle.hpp"
#include "signy/notary/remote.hpp"
#include "signy/tuf/repository_map.hpp"
#include "signy/util/file.hpp"
#include "unit/api/file_repo.hpp"

using namespace signy;

namespace {

const std::string kGun = "example.com/org/app";
const std::string& good() { return testsim::good_bundle(); }

struct Repository {
  testsim::Simulator sim{kGun};
  std::string url;
  std::string published_root;
  void publish(const api::Context& ctx) { testsim::publish_to(sim, url, kGun, ctx.http, published_root); }
};

struct World {
  TempDir dir;
  std::map<std::string, Repository> repos;
  api::Context ctx;
  std::filesystem::path bundle;

  World() {
    ctx.trust_dir = dir.path() / "trust";
    // The one server without a map: a repository nobody published to.
    ctx.server = "file://" + (dir.path() / "single").string();
    for (const char* n : {"a", "b", "c"}) {
      auto& r = repos[n];
      r.url = "file://" + (dir.path() / (std::string("server-") + n)).string();
    }
    ctx.now = repos["a"].sim.now;
    bundle = dir.path() / "bundle.tgz";
    REQUIRE(atomic_write(bundle, good(), 0644));
  }
  // Every repository lists v1 as the bundle, then `change` may alter one before publishing.
  void publish_all(const std::set<std::string>& without = {}) {
    for (auto& [n, r] : repos) {
      if (without.contains(n)) continue;
      r.sim.targets.targets["v1"] = testsim::meta_of(good());
      r.publish(ctx);
    }
  }
  void disagree(const std::string& n) {
    auto& r = repos[n];
    // Same length, other bytes: only the hashes tell them apart.
    auto other = good();
    other.back() = static_cast<char>(other.back() ^ 1);
    r.sim.targets.targets["v1"] = testsim::meta_of(other);
    r.publish(ctx);
  }
  // A map of the three repositories with the given mapping list.
  std::filesystem::path write_map(const std::string& mapping) {
    std::string json = R"({"repositories": {)";
    bool first = true;
    for (auto& [n, r] : repos) {
      json += (first ? "\"" : ", \"") + n + "\": [\"" + r.url + "\"]";
      first = false;
    }
    json += R"(}, "mapping": )" + mapping + "}";
    auto p = dir.path() / "map.json";
    REQUIRE(atomic_write(p, json, 0644));
    ctx.repository_map = p;
    return p;
  }
  Result<api::VerifyResult> verify(const std::string& tag = "v1") { return api::verify_thick(ctx, bundle, kGun + ":" + tag); }
};

void refused(const Result<api::VerifyResult>& r, Errc code, const std::vector<std::string>& parts) {
  REQUIRE(!r);
  INFO(r.error().message);
  CHECK(r.error().code == code);
  for (const auto& p : parts) CHECK(r.error().message.find(p) != std::string::npos);
  CHECK(r.error().message.find('\n') == std::string::npos);
}

bool has_warning(const api::VerifyResult& r, const std::string& part) {
  for (const auto& w : r.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// How many times one file is opened from now on (inotify IN_OPEN). IN_CLOSE_NOWRITE is watched
// too so that two opens in a row are not merged into one event (inotify(7): identical
// consecutive events are coalesced).
class Opens {
 public:
  explicit Opens(const std::filesystem::path& file) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(inotify_add_watch(fd_, file.c_str(), IN_OPEN | IN_CLOSE_NOWRITE) >= 0);
  }
  ~Opens() { ::close(fd_); }
  Opens(const Opens&) = delete;
  Opens& operator=(const Opens&) = delete;
  int count() {
    alignas(inotify_event) char buf[4096];
    for (;;) {
      auto got = ::read(fd_, buf, sizeof buf);
      if (got <= 0) break;
      for (const char* p = buf; p < buf + got;) {
        const auto* e = reinterpret_cast<const inotify_event*>(p);
        if (e->mask & IN_OPEN) ++opens_;
        p += sizeof(inotify_event) + e->len;
      }
    }
    return opens_;
  }

 private:
  int fd_;
  int opens_ = 0;
};

}  // namespace

TEST_CASE("TAP 4: two repositories that agree verify the bundle, each with its own trust dir") {
  World w;
  w.publish_all({"c"});
  w.write_map(R"([{"paths": ["example.com/org/*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  auto r = w.verify();
  REQUIRE(r);
  CHECK(r->target == "v1");
  CHECK(r->trusted_on_first_use);
  // Each repository's root is cached in its own trust dir, none in the main one.
  CHECK(std::filesystem::exists(w.ctx.trust_dir / "repositories" / "a" / "tuf" / kGun / "metadata" / "root.json"));
  CHECK(std::filesystem::exists(w.ctx.trust_dir / "repositories" / "b" / "tuf" / kGun / "metadata" / "root.json"));
  CHECK_FALSE(std::filesystem::exists(w.ctx.trust_dir / "tuf" / kGun));
  CHECK_FALSE(std::filesystem::exists(w.ctx.trust_dir / "repositories" / "c"));
  // The single server (ctx.server) is not asked: it has nothing and would fail.
  w.ctx.repository_map.reset();
  CHECK_FALSE(w.verify());
}

TEST_CASE("TAP 4: a mirror that disagrees on the hashes denies a threshold of 2 of 2") {
  World w;
  w.publish_all({"c"});
  w.disagree("b");
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  refused(w.verify(), Errc::threshold_not_met,
          {"example.com/org/app:v1: mapping[0] of ", "needs 2 of 2 repositories to agree, 1 do", "a lists sha256 ", "b lists sha256 "});
  // The same file from b alone verifies against b's own target only when it is b's bytes: the
  // disagreement is in the metadata, not a broken repository.
  w.write_map(R"([{"paths": ["*"], "repositories": ["b"]}])");
  refused(w.verify(), Errc::hash_mismatch, {});
  // Only the sha512 differs: still a disagreement (every hash is compared, not the first).
  auto meta = testsim::meta_of(good());
  meta.hashes.set("sha512", crypto::sha512(as_bytes(std::string("another"))));
  w.repos["b"].sim.targets.targets["v1"] = meta;
  w.repos["b"].publish(w.ctx);
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  refused(w.verify(), Errc::threshold_not_met, {"1 do"});
  // b lists sha256 only (same length and sha256 as a): the hash sets differ, which is a disagreement.
  auto only256 = tuf::FileMeta{};
  only256.length = static_cast<std::int64_t>(good().size());
  only256.hashes.set("sha256", crypto::sha256(as_bytes(good())));
  w.repos["b"].sim.targets.targets["v1"] = only256;
  w.repos["b"].publish(w.ctx);
  refused(w.verify(), Errc::threshold_not_met, {"1 do"});
}

TEST_CASE("TAP 4: 2 of 3 agree: verified, and the disagreeing mirror is named in a warning") {
  World w;
  w.publish_all();
  w.disagree("c");
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b", "c"], "threshold": 2}])");
  auto r = w.verify();
  REQUIRE(r);
  CHECK(has_warning(*r, "repository c lists sha256 "));
  CHECK(has_warning(*r, "which disagrees (2 of 3 agree, threshold 2)"));
  // A repository that has no such target, or no collection at all, is one answer less.
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b", "c"], "threshold": 3}])");
  refused(w.verify(), Errc::threshold_not_met, {"needs 3 of 3 repositories to agree, 2 do", "c lists"});
}

TEST_CASE("TAP 4: a repository that does not answer counts as not agreeing, with its reason") {
  World w;
  w.publish_all({"b", "c"});
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  refused(w.verify(), Errc::threshold_not_met, {"needs 2 of 2 repositories to agree, 1 do", "a lists sha256", "b: "});
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 1, "terminating": true}])");
  auto r = w.verify();
  REQUIRE(r);
  CHECK(has_warning(*r, "repository b: "));
  // Neither answers: their common reason's code, not a generic one.
  w.write_map(R"([{"paths": ["*"], "repositories": ["b", "c"], "threshold": 1, "terminating": true}])");
  auto none = w.verify();
  REQUIRE(!none);
  auto alone = api::verify_thick([&] { auto c = w.ctx; c.repository_map.reset(); c.server = w.repos["b"].url; return c; }(),
                                 w.bundle, kGun + ":v1");
  REQUIRE(!alone);
  CHECK(none.error().code == alone.error().code);
}

TEST_CASE("TAP 4: two different answers that each reach a low threshold deny") {
  World w;
  w.publish_all({"c"});
  w.disagree("b");
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 1, "terminating": true}])");
  refused(w.verify(), Errc::threshold_not_met, {"repositories disagree and each answer reaches the threshold 1"});
}

TEST_CASE("TAP 4: terminating stops the search, a non-terminating mapping lets the next one try") {
  World w;
  w.publish_all({"c"});
  w.disagree("b");
  // The first mapping fails (b disagrees); the second (a alone) would succeed.
  const std::string second = R"({"paths": ["*"], "repositories": ["a"], "threshold": 1})";
  w.write_map(R"([{"paths": ["example.com/*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}, )" + second + "]");
  refused(w.verify(), Errc::threshold_not_met, {"mapping[0]"});
  w.write_map(R"([{"paths": ["example.com/*"], "repositories": ["a", "b"], "threshold": 2, "terminating": false}, )" + second + "]");
  auto r = w.verify();
  REQUIRE(r);
  // A mapping whose paths do not match is skipped whatever its terminating says.
  w.write_map(R"([{"paths": ["other.com/*"], "repositories": ["b"], "terminating": true}, )" + second + "]");
  REQUIRE(w.verify());
  // Every matching mapping unsatisfied and none terminating: the last one's reason.
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}, {"paths": ["*:v1"], "repositories": ["b", "c"], "threshold": 2}])");
  refused(w.verify(), Errc::threshold_not_met, {"mapping[1]", "c: "});
}

TEST_CASE("TAP 4: a target no mapping applies to is denied") {
  World w;
  w.publish_all();
  w.write_map(R"([{"paths": ["example.com/org/app:v2", "other/*"], "repositories": ["a"]}])");
  refused(w.verify(), Errc::policy_denied, {"no mapping of ", "applies to example.com/org/app:v1"});
}

TEST_CASE("TAP 4: the role and custom are the first agreeing repository's, in the mapping's order") {
  World w;
  for (auto& [n, r] : w.repos) {
    auto meta = testsim::meta_of(good());
    meta.custom = cjson::Json{{"in-toto", {"in-toto-metadata/root.layout"}}, {"note", "from-" + n}};
    r.sim.targets.targets["v1"] = meta;
    r.publish(w.ctx);
  }
  w.write_map(R"([{"paths": ["*"], "repositories": ["b", "a"], "threshold": 2}])");
  auto r = w.verify();
  REQUIRE(r);
  REQUIRE(r->in_toto);
  CHECK(r->in_toto->server == w.repos["b"].url);
  w.write_map(R"([{"paths": ["*"], "repositories": ["c", "a", "b"], "threshold": 2}])");
  r = w.verify();
  REQUIRE(r);
  REQUIRE(r->in_toto);
  CHECK(r->in_toto->server == w.repos["c"].url);
}

// Found by review: the first agreeing repository alone decided whether in-toto ran (its custom
// was used whole), so it could drop or replace the supply chain the others publish.
TEST_CASE("TAP 4: agreeing repositories must list the same in-toto metadata") {
  World w;
  for (auto& [n, r] : w.repos) {
    auto meta = testsim::meta_of(good());
    if (n != "a") meta.custom = cjson::Json{{"in-toto", {"in-toto-metadata/root.layout"}}};
    r.sim.targets.targets["v1"] = meta;
    r.publish(w.ctx);
  }
  // a lists the same bytes without in-toto: it does not agree with b and c.
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}])");
  refused(w.verify(), Errc::threshold_not_met, {"needs 2 of 2"});
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b", "c"], "threshold": 2}])");
  auto r = w.verify();
  REQUIRE(r);
  REQUIRE(r->in_toto);  // b and c agree, with their in-toto list; a is named as disagreeing
  CHECK(has_warning(*r, "which disagrees"));
}

// Found by review: a mapping's paths were matched with the host's case, so LOCALHOST:5000/... fell
// through a strict mapping to a weaker one; policy scopes compare hosts without case.
TEST_CASE("TAP 4: the registry host of a target is matched without case") {
  World w;
  w.publish_all();
  w.write_map(R"([{"paths": ["example.com/org/*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true},
                  {"paths": ["*"], "repositories": ["a"], "threshold": 1}])");
  auto r = api::verify_thick(w.ctx, w.bundle, "EXAMPLE.COM/org/app:v1");
  REQUIRE(!r);
  INFO(r.error().message);
  CHECK(r.error().message.find("mapping[0]") != std::string::npos);
}

// Found by review: a policy's trustedRoots (pin_every_root) were replaced by each repository's
// own config.json, so a map turned the policy's pins into trust on first use.
TEST_CASE("TAP 4: a policy's root pins hold in every repository of the map") {
  World w;
  w.publish_all({"c"});
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}])");
  w.ctx.updater.pin_every_root = true;
  w.ctx.updater.pinning.certs[kGun] = {w.repos["a"].sim.keys["root"].front().id};
  refused(w.verify(), Errc::threshold_not_met, {"b: ", "pinned root keys"});
  w.ctx.updater.pinning.certs[kGun].push_back(w.repos["b"].sim.keys["root"].front().id);
  REQUIRE(w.verify());
  // The trust dir's disable_tofu holds for every repository too.
  World v;
  v.publish_all({"c"});
  v.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 1}])");
  v.ctx.updater.pinning.disable_tofu = true;
  refused(v.verify(), Errc::untrusted_key, {"trust on first use is disabled"});
}

TEST_CASE("TAP 4: each repository's root pins are its own config.json") {
  World w;
  w.publish_all({"c"});
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}])");
  // b's trust dir pins a's root key for the GUN: b's root is refused, so only a answers.
  auto b_dir = w.ctx.trust_dir / "repositories" / "b";
  REQUIRE(make_private_dirs(b_dir));
  auto a_root = w.repos["a"].sim.keys["root"].front().id;
  REQUIRE(atomic_write(b_dir / "config.json", R"({"trust_pinning": {"certs": {")" + kGun + R"(": [")" + a_root + R"("]}}})", 0600));
  refused(w.verify(), Errc::threshold_not_met, {"b: "});
  // Pinned to its own root key, b agrees again, and it is not trusted on first use.
  auto b_root = w.repos["b"].sim.keys["root"].front().id;
  REQUIRE(atomic_write(b_dir / "config.json", R"({"trust_pinning": {"certs": {")" + kGun + R"(": [")" + b_root + R"("]}}})", 0600));
  REQUIRE(w.verify());
  // A damaged config.json of one repository is an error, not a repository that quietly fails.
  REQUIRE(atomic_write(b_dir / "config.json", "{", 0600));
  refused(w.verify(), Errc::malformed_json, {"config.json"});
}

TEST_CASE("TAP 4: the map in use: --map, else <trust dir>/map.json, else the one server") {
  World w;
  w.publish_all({"c"});
  w.disagree("b");
  auto p = w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}])");
  // An explicit map that is missing or bad is an error, never "no map".
  w.ctx.repository_map = w.dir.path() / "absent.json";
  refused(w.verify(), Errc::not_found, {"absent.json"});
  REQUIRE(atomic_write(w.dir.path() / "bad.json", R"({"repositories": {}})", 0644));
  w.ctx.repository_map = w.dir.path() / "bad.json";
  refused(w.verify(), Errc::malformed_json, {"bad.json"});
  // <trust dir>/map.json applies without --map.
  w.ctx.repository_map.reset();
  REQUIRE(make_private_dirs(w.ctx.trust_dir));
  std::filesystem::copy_file(p, w.ctx.trust_dir / "map.json");
  refused(w.verify(), Errc::threshold_not_met, {"trust/map.json"});
  // Without any map, the one server: a's as ctx.server verifies.
  std::filesystem::remove(w.ctx.trust_dir / "map.json");
  w.ctx.server = w.repos["a"].url;
  REQUIRE(w.verify());
}

TEST_CASE("TAP 4: a digest pinned in the reference is checked against the agreed target") {
  World w;
  w.publish_all();
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2}])");
  auto sha = hex_encode(crypto::sha256(as_bytes(good())));
  REQUIRE(api::verify_thick(w.ctx, w.bundle, kGun + ":v1@sha256:" + sha));
  auto other = hex_encode(crypto::sha256(as_bytes(std::string("x"))));
  auto r = api::verify_thick(w.ctx, w.bundle, kGun + ":v1@sha256:" + other);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
}

// verify_bundle checks the map before anything is downloaded (a bad one denies as bad_request)
// and the TUF step uses the map it parsed then: one read, so a map.json replaced meanwhile
// cannot decide the verdict.
TEST_CASE("TAP 4: verify_bundle reads the map once (--map or <trust dir>/map.json)") {
  World w;
  w.publish_all({"c"});
  auto p = w.write_map(R"([{"paths": ["example.com/org/*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  api::Environment env;
  api::BundleRequest req;
  req.reference = kGun + ":v1";
  req.thick_file = w.bundle;
  SECTION("--map") {}
  SECTION("<trust dir>/map.json") {
    REQUIRE(make_private_dirs(w.ctx.trust_dir));
    std::filesystem::copy_file(p, w.ctx.trust_dir / "map.json");
    std::filesystem::remove(p);
    p = w.ctx.trust_dir / "map.json";
    w.ctx.repository_map.reset();
  }
  env.context = w.ctx;
  Opens opens(p);
  auto r = api::verify_bundle(req, env);
  INFO(r.reason);
  CHECK(r.verdict == api::Verdict::allow);
  CHECK(r.repositories == std::vector<std::string>{"a", "b"});
  CHECK(opens.count() == 1);
}

// The contract verify_bundle relies on: a map loaded into the Context is the one trusted_target
// uses; the file is not read again, whatever it holds by then.
TEST_CASE("TAP 4: a map loaded into the Context is used as it is, whatever the file holds now") {
  World w;
  w.publish_all({"c"});
  auto p = w.write_map(R"([{"paths": ["*"], "repositories": ["a", "b"], "threshold": 2, "terminating": true}])");
  auto loaded = tuf::load_repository_map(p);
  REQUIRE(loaded);
  w.ctx.loaded_repository_map = std::make_shared<const tuf::RepositoryMap>(std::move(*loaded));
  // Replaced by a map that cannot be met (c lists nothing), then by one that does not parse.
  w.write_map(R"([{"paths": ["*"], "repositories": ["a", "c"], "threshold": 2, "terminating": true}])");
  REQUIRE(w.verify());
  REQUIRE(atomic_write(p, "{", 0644));
  REQUIRE(w.verify());
  // Loaded as no map: the one server (nobody published there), the map file is not read.
  w.ctx.loaded_repository_map = std::shared_ptr<const tuf::RepositoryMap>{};
  auto r = w.verify();
  REQUIRE(!r);
  INFO(r.error().message);
  CHECK(r.error().message.find("map") == std::string::npos);
}
