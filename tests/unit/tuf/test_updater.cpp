// The Updater's workflow over the simulator: fetch order, cache behaviour, rotation, and that a
// refused refresh leaves the cache as it was.
#include <catch2/catch.hpp>

#include "signy/tuf/updater.hpp"
#include "signy/util/file.hpp"
#include "simulator.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::tuf;
using namespace std::chrono_literals;
using testsim::Simulator;

namespace {

class SimSource : public MetadataSource {
 public:
  explicit SimSource(Simulator& sim) : sim_(sim) {}
  std::vector<std::string> log;
  std::function<std::string(std::string_view role, std::string)> tamper;  // optional

  Result<std::string> serve(std::string_view role, std::string bytes, std::size_t max) {
    if (tamper) bytes = tamper(role, std::move(bytes));
    if (bytes.size() > max) return fail(Errc::too_large, std::string(role) + ": response exceeds the limit");
    return bytes;
  }
  Result<std::string> current(std::string_view role) {
    if (role == "root") return sim_.root_bytes;
    if (role == "timestamp") return sim_.timestamp_bytes;
    if (role == "snapshot") return sim_.snapshot_bytes;
    if (role == "targets") return sim_.targets_bytes;
    auto it = sim_.delegated_bytes.find(std::string(role));
    if (it == sim_.delegated_bytes.end()) return fail(Errc::not_found, "no " + std::string(role));
    return it->second;
  }
  Result<std::string> fetch(std::string_view role, std::size_t max) override {
    log.push_back(std::string(role));
    return serve(role, SIGNY_TRY(current(role)), max);
  }
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view hex, std::size_t max) override {
    log.push_back(std::string(role) + "." + std::string(hex.substr(0, 8)));
    auto bytes = SIGNY_TRY(current(role));
    return serve(role, std::move(bytes), max);
  }
  Result<std::string> fetch_by_version(std::string_view role, std::int64_t v, std::size_t max) override {
    log.push_back(std::to_string(v) + "." + std::string(role));
    if (role != "root" || v < 1 || static_cast<std::size_t>(v) > sim_.root_history.size())
      return fail(Errc::not_found, "no such version");
    return serve(role, sim_.root_history[static_cast<std::size_t>(v - 1)], max);
  }

 private:
  Simulator& sim_;
};

std::string cached(const TempDir& d, const std::string& role) {
  auto r = read_file_limited(d.path() / (role + ".json"), 1 << 20);
  return r ? *r : std::string();
}

}  // namespace

TEST_CASE("first refresh trusts the root on first use, verifies everything and caches it") {
  Simulator sim("example.com/app");
  sim.add_target("v1", "hello");
  sim.add_delegation("targets/releases");
  sim.delegated["targets/releases"].targets["v2"] = testsim::meta_of("bundle v2");
  sim.targets.version = 2;
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  Updater up("example.com/app", cache.path(), src, sim.now);
  REQUIRE(up.refresh());
  CHECK(up.used_tofu());
  CHECK(src.log.size() == 5);  // root, timestamp, snapshot, targets, targets/releases
  CHECK(up.find_target("v1")->role == "targets");
  CHECK(up.find_target("v2")->role == "targets/releases");
  CHECK(!up.find_target("v3"));
  CHECK(up.list_targets().size() == 2);
  CHECK(cached(cache, "root") == sim.root_bytes);
  CHECK(cached(cache, "targets/releases") == sim.delegated_bytes["targets/releases"]);

  // A second run uses the cache: only the timestamp is fetched.
  src.log.clear();
  Updater again("example.com/app", cache.path(), src, sim.now);
  REQUIRE(again.refresh());
  CHECK(!again.used_tofu());
  CHECK(src.log == std::vector<std::string>{"timestamp"});
}

TEST_CASE("first use can be refused, and pinned root keys are enforced") {
  Simulator sim("example.com/app");
  SimSource src(sim);
  TempDir cache;
  UpdaterConfig cfg;
  cfg.pinning.disable_tofu = true;
  Updater up("example.com/app", cache.path(), src, sim.now, cfg);
  auto st = up.refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK(cached(cache, "root").empty());

  cfg.pinning.certs["example.com/*"] = {"0000"};
  Updater wrong("example.com/app", cache.path(), src, sim.now, cfg);
  CHECK(wrong.refresh().error().code == Errc::untrusted_key);

  cfg.pinning.certs["example.com/app"] = {sim.keys["root"][0].id};
  Updater right("example.com/app", cache.path(), src, sim.now, cfg);
  CHECK(right.refresh());
  CHECK(!right.used_tofu());
}

TEST_CASE("a refused refresh leaves the cache as it was") {
  Simulator sim;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto before_ts = cached(cache, "timestamp");
  // The server now serves an expired timestamp (freeze).
  sim.timestamp.version = 2;
  sim.timestamp.expires = sim.now - 1s;
  sim.publish();
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::expired);
  CHECK(cached(cache, "timestamp") == before_ts);
}

TEST_CASE("rollback against the cached version is refused across runs") {
  Simulator sim;
  sim.timestamp.version = 3;
  sim.publish();
  auto v3 = sim.timestamp_bytes;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  sim.timestamp.version = 2;
  sim.publish();
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::rollback);
  CHECK(cached(cache, "timestamp") == v3);
}

// Targets roles get their floor from the cached copy only when the snapshot lists another file:
// an older targets (or delegation) with a fresh, validly signed snapshot is still refused.
TEST_CASE("targets and delegation rollback against the cached versions is refused") {
  for (std::string role : {"targets", "targets/releases"}) {
    INFO(role);
    Simulator sim;
    sim.add_delegation("targets/releases");
    auto& t = role == "targets" ? sim.targets : sim.delegated["targets/releases"];
    t.version = 5;
    sim.publish();
    auto v5 = role == "targets" ? sim.targets_bytes : sim.delegated_bytes["targets/releases"];
    SimSource src(sim);
    TempDir cache;
    REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
    t.version = 4;  // an older copy, re-listed by a newer snapshot
    sim.snapshot.version += 1;
    sim.timestamp.version += 1;
    sim.publish();
    auto st = Updater("g", cache.path(), src, sim.now).refresh();
    REQUIRE(!st);
    CHECK(st.error().code == Errc::rollback);
    CHECK(cached(cache, role) == v5);
  }
}

TEST_CASE("a cached targets file the snapshot still lists is neither downloaded nor rewritten") {
  Simulator sim;
  sim.add_target("v1", "bundle");
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto mtime = std::filesystem::last_write_time(cache.path() / "targets.json");
  src.log.clear();
  sim.timestamp.version += 1;  // a new timestamp, same snapshot and targets
  sim.publish();
  Updater again("g", cache.path(), src, sim.now);
  REQUIRE(again.refresh());
  for (const auto& fetched : src.log) CHECK(fetched.rfind("targets", 0) != 0);
  CHECK(std::filesystem::last_write_time(cache.path() / "targets.json") == mtime);
  REQUIRE(again.find_target("v1"));
  auto listed = again.list_targets();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "v1");
  CHECK(listed[0].role == "targets");
}

TEST_CASE("a damaged cached copy is replaced by the listed file") {
  Simulator sim;
  sim.add_target("v1", "bundle");
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto good = cached(cache, "targets");
  auto bad = good;
  bad[bad.size() / 2] ^= 1;  // same length, other bytes
  REQUIRE(atomic_write(cache.path() / "targets.json", bad, 0600));
  src.log.clear();
  Updater again("g", cache.path(), src, sim.now);
  REQUIRE(again.refresh());
  CHECK(std::count_if(src.log.begin(), src.log.end(), [](const std::string& f) { return f.rfind("targets.", 0) == 0; }) == 1);
  CHECK(cached(cache, "targets") == good);
  CHECK(again.find_target("v1"));
}

TEST_CASE("endless data: a response over the size limit is refused") {
  Simulator sim;
  SimSource src(sim);
  src.tamper = [](std::string_view role, std::string b) {
    if (role == "timestamp") b.append(2u << 20, ' ');
    return b;
  };
  TempDir cache;
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::too_large);
}

TEST_CASE("root rotation is followed version by version") {
  Simulator sim;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  for (int v = 2; v <= 3; ++v) {  // two rotations, each signed by the old and the new key
    auto old_key = std::move(sim.keys["root"][0]);
    sim.keys["root"][0] = testsim::make_root_key("g");
    auto& nk = sim.keys["root"][0];
    sim.root.keys.emplace(nk.id, nk.pub);
    sim.root.roles["root"].keyids = {nk.id};
    sim.root.version = v;
    sim.sign_root({&old_key});
  }
  sim.snapshot.version = 2;
  sim.timestamp.version = 2;
  sim.publish();
  src.log.clear();
  Updater up("g", cache.path(), src, sim.now);
  REQUIRE(up.refresh());
  CHECK(up.trusted().root().signed_.version == 3);
  CHECK(std::find(src.log.begin(), src.log.end(), "2.root") != src.log.end());
  CHECK(std::find(src.log.begin(), src.log.end(), "3.root") != src.log.end());
  CHECK(cached(cache, "root") == sim.root_bytes);
}

TEST_CASE("a rotated root not signed by the previous root's keys is refused") {
  Simulator sim;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto old_root = cached(cache, "root");
  sim.keys["root"][0] = testsim::make_root_key("g");  // attacker's new key, old key not used
  auto& nk = sim.keys["root"][0];
  sim.root.keys.emplace(nk.id, nk.pub);
  sim.root.roles["root"].keyids = {nk.id};
  sim.root.version = 2;
  sim.sign_root();
  sim.snapshot.version = 2;
  sim.timestamp.version = 2;
  sim.publish();
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::threshold_not_met);
  CHECK(cached(cache, "root") == old_root);
}

TEST_CASE("a root whose certificates name another collection is refused") {
  Simulator sim("example.com/other");  // a valid root, but for another GUN
  SimSource src(sim);
  TempDir cache;
  auto st = Updater("example.com/app", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK(st.error().message.find("does not match") != std::string::npos);
  CHECK(cached(cache, "root").empty());
}

TEST_CASE("a rotation to a root certified for another collection is refused") {
  Simulator sim;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto old_key = std::move(sim.keys["root"][0]);
  sim.keys["root"][0] = testsim::make_root_key("not-g");
  auto& nk = sim.keys["root"][0];
  sim.root.keys.emplace(nk.id, nk.pub);
  sim.root.roles["root"].keyids = {nk.id};
  sim.root.version = 2;
  sim.sign_root({&old_key});
  sim.snapshot.version = 2;
  sim.timestamp.version = 2;
  sim.publish();
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::untrusted_key);
}

// Without the key-ID check of verify_threshold, a root listing an attacker's certificate under
// the pinned key ID would pass pinning (and its own self-signature check).
TEST_CASE("a pinned root key ID served with another key is refused") {
  Simulator sim("example.com/app");
  const std::string pinned = sim.keys["root"][0].id;
  auto attacker = testsim::make_root_key("example.com/app");  // a valid certificate for the GUN
  REQUIRE(attacker.id != pinned);
  sim.root.keys.erase(pinned);
  sim.root.keys.emplace(pinned, attacker.pub);
  sim.keys["root"][0] = testsim::SimKey{attacker.key, attacker.pub, pinned};  // signs under the pinned ID
  sim.sign_root();
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  UpdaterConfig cfg;
  cfg.pinning.certs["example.com/app"] = {pinned};
  cfg.pinning.disable_tofu = true;
  auto st = Updater("example.com/app", cache.path(), src, sim.now, cfg).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::threshold_not_met);
  CHECK(cached(cache, "root").empty());
  // Control: the attacker's certificate under its own ID verifies, and pinning then names it.
  sim.root.keys.erase(pinned);
  sim.root.keys.emplace(attacker.id, attacker.pub);
  sim.root.roles["root"].keyids = {attacker.id};
  sim.keys["root"][0] = std::move(attacker);
  sim.sign_root();
  sim.publish();
  st = Updater("example.com/app", cache.path(), src, sim.now, cfg).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK(st.error().message.find("not signed by the pinned root keys") != std::string::npos);
}

// TUF 5.3.4 (the new root's own keys): the old root's threshold alone does not make a rotation.
TEST_CASE("a rotated root signed by the old key but under its own threshold is refused") {
  Simulator sim;
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  auto old_root = cached(cache, "root");
  auto old_key = std::move(sim.keys["root"][0]);
  sim.keys["root"].clear();
  for (int i = 0; i < 2; ++i) sim.keys["root"].push_back(testsim::make_root_key("g"));
  sim.root.roles["root"] = RoleKeys{{}, 2};
  for (auto& k : sim.keys["root"]) {
    sim.root.keys.emplace(k.id, k.pub);
    sim.root.roles["root"].keyids.push_back(k.id);
  }
  sim.root.version = 2;
  // The old key (the old root's threshold of 1) and one of the two new keys (threshold 2).
  sim.root_bytes = sim.sign(to_json(sim.root), {&old_key, &sim.keys["root"][0]});
  sim.root_history.push_back(sim.root_bytes);
  sim.snapshot.version = 2;
  sim.timestamp.version = 2;
  sim.publish();
  auto st = Updater("g", cache.path(), src, sim.now).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::threshold_not_met);
  CHECK(st.error().message.find("signatures by its own keys") != std::string::npos);
  CHECK(st.error().message.find("1 valid signature(s)") != std::string::npos);
  CHECK(cached(cache, "root") == old_root);
  // Control: with both new keys it is followed.
  sim.root_bytes = sim.sign(to_json(sim.root), {&old_key, &sim.keys["root"][0], &sim.keys["root"][1]});
  sim.root_history.back() = sim.root_bytes;
  sim.publish();
  REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
  CHECK(cached(cache, "root") == sim.root_bytes);
}

namespace {
// A Notary-style root key whose certificate expired a second before `now`.
testsim::SimKey expired_root_key(const std::string& gun, TimePoint now) {
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pub = crypto::notary_certificate_key(k, crypto::make_root_certificate(k, gun, now_s - 86400, now_s - 1).value());
  auto id = pub.key_id();
  return testsim::SimKey{std::move(k), std::move(pub), std::move(id)};
}
}  // namespace

// notary trustpinning/certs.go ValidateRoot: root certificates must not have expired, both on
// first use and for a rotated root (the root metadata itself is still valid here).
TEST_CASE("a root whose certificate expired is refused, on first use and when rotated to") {
  Simulator sim;
  SECTION("first use") {
    auto ek = expired_root_key("g", sim.now);
    sim.root.keys.erase(sim.keys["root"][0].id);
    sim.root.keys.emplace(ek.id, ek.pub);
    sim.root.roles["root"].keyids = {ek.id};
    sim.keys["root"][0] = std::move(ek);
    sim.sign_root();
    sim.publish();
    SimSource src(sim);
    TempDir cache;
    auto st = Updater("g", cache.path(), src, sim.now).refresh();
    REQUIRE(!st);
    CHECK(st.error().code == Errc::untrusted_key);
    CHECK(st.error().message.find("certificate expired") != std::string::npos);
    CHECK(cached(cache, "root").empty());
  }
  SECTION("rotation") {
    SimSource src(sim);
    TempDir cache;
    REQUIRE(Updater("g", cache.path(), src, sim.now).refresh());
    auto old_root = cached(cache, "root");
    auto old_key = std::move(sim.keys["root"][0]);
    sim.keys["root"][0] = expired_root_key("g", sim.now);
    auto& nk = sim.keys["root"][0];
    sim.root.keys.emplace(nk.id, nk.pub);
    sim.root.roles["root"].keyids = {nk.id};
    sim.root.version = 2;
    sim.sign_root({&old_key});  // validly signed by the old and the new key
    sim.snapshot.version = 2;
    sim.timestamp.version = 2;
    sim.publish();
    auto st = Updater("g", cache.path(), src, sim.now).refresh();
    REQUIRE(!st);
    CHECK(st.error().code == Errc::untrusted_key);
    CHECK(st.error().message.find("certificate expired") != std::string::npos);
    CHECK(cached(cache, "root") == old_root);
  }
}

TEST_CASE("find_target with a first role: Docker Content Trust's order, releases before targets, within its paths") {
  Simulator sim("example.com/app");
  sim.add_target("1.0", "old manifest");
  sim.add_target("2.0", "only in targets");
  sim.add_delegation("targets/releases");
  sim.add_delegation("targets/ci");
  sim.delegated["targets/releases"].targets["1.0"] = testsim::meta_of("new manifest");
  sim.delegated["targets/ci"].targets["3.0"] = testsim::meta_of("ci");
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  Updater up("example.com/app", cache.path(), src, sim.now);
  REQUIRE(up.refresh());
  CHECK(up.find_target("1.0")->role == "targets");  // notary's walk: targets first
  auto rel = up.find_target("1.0", "targets/releases");
  REQUIRE(rel);
  CHECK(rel->role == "targets/releases");
  CHECK(rel->meta.length == 12);
  CHECK(up.find_target("2.0", "targets/releases")->role == "targets");
  CHECK(up.find_target("3.0", "targets/releases")->role == "targets/ci");
  CHECK(!up.find_target("4.0", "targets/releases"));

  // A releases delegation whose paths exclude the name: its copy is not taken.
  sim.targets.delegations.roles.at(0).paths = {"2."};
  sim.targets.version += 1;
  sim.snapshot.version += 1;
  sim.timestamp.version += 1;
  sim.publish();
  Updater again("example.com/app", cache.path(), src, sim.now);
  REQUIRE(again.refresh());
  CHECK(again.find_target("1.0", "targets/releases")->role == "targets");
}

// A policy's trustedRoots (UpdaterConfig::pin_every_root) hold for the root the refresh ends
// with, cached or rotated, not only on first use as notary's trust_pinning does.
TEST_CASE("pin_every_root checks a cached root against the pins") {
  Simulator sim("example.com/app");
  SimSource src(sim);
  TempDir cache;
  REQUIRE(Updater("example.com/app", cache.path(), src, sim.now).refresh());  // trusted on first use
  UpdaterConfig cfg;
  cfg.pinning.certs["example.com/app"] = {std::string(64, 'a')};
  // notary's rule: a cached root is the anchor, the pins are not consulted.
  CHECK(Updater("example.com/app", cache.path(), src, sim.now, cfg).refresh());
  cfg.pin_every_root = true;
  auto st = Updater("example.com/app", cache.path(), src, sim.now, cfg).refresh();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK(st.error().message.find("pinned root keys") != std::string::npos);
  cfg.pinning.certs["example.com/app"] = {sim.keys["root"][0].id};
  CHECK(Updater("example.com/app", cache.path(), src, sim.now, cfg).refresh());
}

TEST_CASE("allow_expired accepts expired metadata and names each expired role, off it is refused") {
  Simulator sim("example.com/app");
  sim.add_target("v1", "hello");
  sim.add_delegation("targets/releases");
  sim.delegated["targets/releases"].expires = sim.now + 1h;
  sim.snapshot.expires = sim.now + 2h;
  sim.publish();
  SimSource src(sim);
  TempDir cache;
  auto later = sim.now + 3h;  // snapshot and the delegation expired; timestamp, targets, root not
  {
    Updater strict("example.com/app", cache.path(), src, later);
    auto st = strict.refresh();
    REQUIRE(!st);
    CHECK(st.error().code == Errc::expired);
    CHECK(strict.expired().empty());
  }
  UpdaterConfig config;
  config.allow_expired = true;
  Updater lenient("example.com/app", cache.path(), src, later, config);
  REQUIRE(lenient.refresh());
  REQUIRE(lenient.expired().size() == 2);
  CHECK(lenient.expired()[0].starts_with("snapshot metadata expired at "));
  CHECK(lenient.expired()[1].starts_with("targets/releases metadata expired at "));
  CHECK(lenient.find_target("v1"));
  // Nothing expired: nothing reported.
  Updater fresh("example.com/app", cache.path(), src, sim.now, config);
  REQUIRE(fresh.refresh());
  CHECK(fresh.expired().empty());
}
