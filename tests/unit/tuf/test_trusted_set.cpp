// The TUF client rules, one test per attack (TUF specification 1.5 and 5.x), driven with bytes
// from the simulator. Each refused update must name its check and leave the set as it was.
#include <catch2/catch.hpp>

#include "signy/tuf/trusted_set.hpp"
#include "simulator.hpp"

using namespace signy;
using namespace signy::tuf;
using namespace std::chrono_literals;
using testsim::Simulator;

namespace {
TrustedSet refreshed(Simulator& sim) {
  auto set = TrustedSet::create(sim.root_bytes, sim.now);
  REQUIRE(set);
  REQUIRE(set->update_timestamp(sim.timestamp_bytes));
  REQUIRE(set->update_snapshot(sim.snapshot_bytes));
  REQUIRE(set->update_targets(sim.targets_bytes));
  return std::move(*set);
}

// Replaces the first signature's bytes with a flipped copy.
std::string corrupt_signature(const std::string& file) {
  auto j = cjson::parse_strict(file).value();
  auto sig = base64_decode(j["signatures"][0]["sig"].get<std::string>()).value();
  sig[0] ^= 1;
  j["signatures"][0]["sig"] = base64_encode(sig);
  return j.dump();
}

Errc code_of(const Status& s) {
  REQUIRE(!s);
  return s.error().code;
}
}  // namespace

TEST_CASE("a consistent repository verifies end to end") {
  Simulator sim;
  sim.add_target("v1", "hello world\n");
  sim.targets.version = 2;
  sim.publish();
  auto set = refreshed(sim);
  CHECK(set.check_final_root());
  REQUIRE(set.targets());
  CHECK(set.targets()->signed_.targets.contains("v1"));
}

TEST_CASE("attack: arbitrary software installation - a bad signature on targets is refused") {
  Simulator sim;
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set.update_timestamp(sim.timestamp_bytes));
  REQUIRE(set.update_snapshot(sim.snapshot_bytes));
  auto bad = corrupt_signature(sim.targets_bytes);
  // The snapshot pins the exact bytes, so rebuild it around the tampered file.
  sim.snapshot.meta["targets"] = testsim::meta_of(bad);
  sim.snapshot.version++;
  sim.snapshot_bytes = sim.sign(to_json(sim.snapshot), sim.role_keys("snapshot"));
  sim.timestamp.snapshot = testsim::meta_of(sim.snapshot_bytes);
  sim.timestamp.version++;
  sim.timestamp_bytes = sim.sign(to_json(sim.timestamp), sim.role_keys("timestamp"));
  auto set2 = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set2.update_timestamp(sim.timestamp_bytes));
  REQUIRE(set2.update_snapshot(sim.snapshot_bytes));
  CHECK(code_of(set2.update_targets(bad)) == Errc::threshold_not_met);
  CHECK(set2.targets() == nullptr);
}

TEST_CASE("attack: fewer signatures than the threshold are refused") {
  Simulator sim;
  sim.keys["timestamp"].push_back(testsim::make_key());
  auto& k2 = sim.keys["timestamp"].back();
  sim.root.keys.emplace(k2.id, k2.pub);
  sim.root.roles["timestamp"].keyids.push_back(k2.id);
  sim.root.roles["timestamp"].threshold = 2;
  sim.sign_root();
  sim.publish();
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  CHECK(set.update_timestamp(sim.timestamp_bytes));  // both keys signed
  auto one = sim.sign(to_json(sim.timestamp), {&sim.keys["timestamp"][0]});
  auto set2 = TrustedSet::create(sim.root_bytes, sim.now).value();
  auto st = set2.update_timestamp(one);
  CHECK(code_of(st) == Errc::threshold_not_met);
  CHECK(st.error().message.find("1 valid signature(s)") != std::string::npos);
  // The same signature twice still counts once.
  auto j = cjson::parse_strict(one).value();
  j["signatures"].push_back(j["signatures"][0]);
  CHECK(code_of(set2.update_timestamp(j.dump())) == Errc::threshold_not_met);
  CHECK(set2.timestamp() == nullptr);
}

TEST_CASE("attack: freeze - expired timestamp, snapshot and targets are refused") {
  Simulator sim;
  SECTION("timestamp") {
    auto set = TrustedSet::create(sim.root_bytes, sim.timestamp.expires + 1s).value();
    CHECK(code_of(set.update_timestamp(sim.timestamp_bytes)) == Errc::expired);
  }
  SECTION("snapshot") {
    sim.snapshot.expires = sim.now - 1s;
    sim.publish();
    auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
    REQUIRE(set.update_timestamp(sim.timestamp_bytes));
    CHECK(code_of(set.update_snapshot(sim.snapshot_bytes)) == Errc::expired);
    CHECK(set.snapshot() == nullptr);
  }
  SECTION("targets") {
    sim.targets.expires = sim.now;
    sim.publish();
    auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
    REQUIRE(set.update_timestamp(sim.timestamp_bytes));
    REQUIRE(set.update_snapshot(sim.snapshot_bytes));
    CHECK(code_of(set.update_targets(sim.targets_bytes)) == Errc::expired);
  }
  SECTION("root") {
    auto set = TrustedSet::create(sim.root_bytes, sim.root.expires + 1s).value();
    CHECK(code_of(set.check_final_root()) == Errc::expired);
  }
}

TEST_CASE("attack: rollback - a lower version than the trusted one is refused, an equal one accepted") {
  Simulator sim;
  sim.timestamp.version = 5;
  sim.publish();
  auto newer = sim.timestamp_bytes;
  sim.timestamp.version = 4;
  sim.publish();
  auto older = sim.timestamp_bytes;
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set.update_timestamp(newer));
  CHECK(code_of(set.update_timestamp(older)) == Errc::rollback);
  CHECK(set.timestamp()->signed_.version == 5);
  CHECK(set.update_timestamp(newer));  // Notary accepts an equal version
}

TEST_CASE("attack: rollback of snapshot and targets") {
  Simulator sim;
  sim.snapshot.version = 3;
  sim.targets.version = 3;
  sim.publish();
  auto set = refreshed(sim);
  sim.snapshot.version = 2;
  sim.targets.version = 2;
  sim.timestamp.version = 2;
  sim.publish();
  REQUIRE(set.update_timestamp(sim.timestamp_bytes));
  CHECK(code_of(set.update_snapshot(sim.snapshot_bytes)) == Errc::rollback);
}

TEST_CASE("attack: mix-and-match - targets not matching the snapshot are refused") {
  Simulator sim;
  auto old_targets = sim.targets_bytes;
  sim.add_target("v2", "new");
  sim.targets.version = 2;
  sim.publish();
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set.update_timestamp(sim.timestamp_bytes));
  REQUIRE(set.update_snapshot(sim.snapshot_bytes));
  auto st = set.update_targets(old_targets);  // validly signed, but not the one the snapshot lists
  REQUIRE(!st);
  CHECK((st.error().code == Errc::length_mismatch || st.error().code == Errc::hash_mismatch));
  CHECK(set.targets() == nullptr);
}

TEST_CASE("attack: a snapshot not matching the timestamp is refused") {
  Simulator sim;
  auto old_snapshot = sim.snapshot_bytes;
  sim.snapshot.version = 2;
  sim.publish();
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set.update_timestamp(sim.timestamp_bytes));
  auto st = set.update_snapshot(old_snapshot);
  REQUIRE(!st);
  CHECK((st.error().code == Errc::hash_mismatch || st.error().code == Errc::length_mismatch));
  // Same length, one byte changed: the hash check catches it.
  auto tampered = sim.snapshot_bytes;
  tampered[tampered.size() / 2] ^= 1;
  CHECK(code_of(set.update_snapshot(tampered)) == Errc::hash_mismatch);
}

TEST_CASE("wrong _type is refused") {
  Simulator sim;
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  CHECK(code_of(set.update_timestamp(sim.snapshot_bytes)) == Errc::wrong_type);
}

TEST_CASE("root rotation needs a threshold of the old and of the new root keys, one version at a time") {
  Simulator sim;
  auto v1 = sim.root_bytes;
  auto old_root_key = std::move(sim.keys["root"][0]);
  sim.keys["root"].clear();
  sim.keys["root"].push_back(testsim::make_key());
  auto& nk = sim.keys["root"][0];
  sim.root.keys.emplace(nk.id, nk.pub);
  sim.root.roles["root"].keyids = {nk.id};
  sim.root.version = 2;

  SECTION("signed by the new key only: refused") {
    sim.sign_root();
    auto set = TrustedSet::create(v1, sim.now).value();
    auto st = set.update_root(sim.root_bytes);
    CHECK(code_of(st) == Errc::threshold_not_met);
    CHECK(st.error().message.find("previous root") != std::string::npos);
    CHECK(set.root().signed_.version == 1);
  }
  SECTION("signed by the old key only: refused") {
    sim.root_bytes = sim.sign(to_json(sim.root), {&old_root_key});
    auto set = TrustedSet::create(v1, sim.now).value();
    CHECK(code_of(set.update_root(sim.root_bytes)) == Errc::threshold_not_met);
  }
  SECTION("signed by both: accepted, and the next rotation chains from it") {
    sim.sign_root({&old_root_key});
    auto set = TrustedSet::create(v1, sim.now).value();
    REQUIRE(set.update_root(sim.root_bytes));
    CHECK(set.root().signed_.version == 2);
    CHECK(code_of(set.update_root(sim.root_bytes)) == Errc::rollback);  // replaying v2 again
  }
  SECTION("skipping a version is refused") {
    sim.root.version = 3;
    sim.sign_root({&old_root_key});
    auto set = TrustedSet::create(v1, sim.now).value();
    CHECK(!set.update_root(sim.root_bytes));
    CHECK(set.root().signed_.version == 1);
  }
}

TEST_CASE("delegations verify against the keys their parent declares") {
  Simulator sim;
  sim.add_delegation("targets/releases");
  sim.delegated["targets/releases"].targets["v1"] = testsim::meta_of("bundle");
  sim.targets.version = 2;
  sim.publish();
  auto set = refreshed(sim);
  REQUIRE(set.update_delegated_targets("targets/releases", "targets", sim.delegated_bytes["targets/releases"]));
  CHECK(set.targets("targets/releases")->signed_.targets.contains("v1"));

  // Signed by a key the parent does not list: refused.
  auto intruder = testsim::make_key();
  auto forged = sim.sign(to_json(sim.delegated["targets/releases"]), {&intruder});
  sim.snapshot.meta["targets/releases"] = testsim::meta_of(forged);
  sim.snapshot.version = 2;
  sim.snapshot_bytes = sim.sign(to_json(sim.snapshot), sim.role_keys("snapshot"));
  sim.timestamp.snapshot = testsim::meta_of(sim.snapshot_bytes);
  sim.timestamp.version = 2;
  sim.timestamp_bytes = sim.sign(to_json(sim.timestamp), sim.role_keys("timestamp"));
  auto set2 = refreshed(sim);
  CHECK(code_of(set2.update_delegated_targets("targets/releases", "targets", forged)) == Errc::threshold_not_met);
  // A role the snapshot does not list is refused before anything else.
  CHECK(code_of(set2.update_delegated_targets("targets/other", "targets", forged)) == Errc::hash_mismatch);
}

TEST_CASE("a listed file of another length is refused as a length mismatch, before any hashing") {
  Simulator sim;
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  REQUIRE(set.update_timestamp(sim.timestamp_bytes));
  for (auto bytes : {sim.snapshot_bytes + " ", sim.snapshot_bytes.substr(0, sim.snapshot_bytes.size() - 1)}) {
    auto st = set.update_snapshot(bytes);
    CHECK(code_of(st) == Errc::length_mismatch);
    CHECK(st.error().message.find("bytes, the trusted metadata lists " + std::to_string(sim.snapshot_bytes.size())) !=
          std::string::npos);
  }
  REQUIRE(set.update_snapshot(sim.snapshot_bytes));
  auto st = set.update_targets(sim.targets_bytes + "\n");
  CHECK(code_of(st) == Errc::length_mismatch);
  CHECK(set.targets() == nullptr);
}
