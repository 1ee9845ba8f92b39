// tuf::RepositoryEditor: what it signs is what TrustedSet (the client rules) accepts, versions and
// expiries move as Notary's client moves them, and signatures that would not verify are refused.
#include <catch2/catch.hpp>

#include "signy/tuf/editor.hpp"
#include "signy/tuf/trusted_set.hpp"
#include "simulator.hpp"

using namespace signy;
using namespace signy::tuf;
using testsim::make_key;
using testsim::make_root_key;
using testsim::SimKey;

namespace {

const TimePoint kNow = TimePoint{} + std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}.time_since_epoch();

FileMeta meta_for(const std::string& content) { return make_file_meta(content); }

struct Keys {
  SimKey root = make_root_key("example.com/org/app");
  SimKey targets = make_key(), snapshot = make_key(), timestamp = make_key();
  RepositoryEditor::NewKeys pubs() const { return {root.pub, targets.pub, snapshot.pub, timestamp.pub}; }
  Signers all() const { return Signers{{&root.key}, {&targets.key}, {&snapshot.key}, {&timestamp.key}, {}, {}}; }
};

// Feeds the files to the client rules in TUF order, starting from `trusted_root`.
TrustedSet accept(const std::string& trusted_root, const std::map<std::string, std::string>& files, TimePoint now = kNow) {
  auto set = TrustedSet::create(trusted_root, now);
  REQUIRE(set);
  if (auto it = files.find("root"); it != files.end() && it->second != trusted_root) REQUIRE(set->update_root(it->second));
  REQUIRE(set->update_timestamp(files.at("timestamp")));
  REQUIRE(set->update_snapshot(files.at("snapshot")));
  REQUIRE(set->update_targets(files.at("targets")));
  return std::move(*set);
}

std::map<std::string, std::string> created(const Keys& k) {
  auto e = RepositoryEditor::create(k.pubs(), kNow);
  e.set_target("v1", meta_for("one"));
  auto out = std::move(e).sign(k.all());
  REQUIRE(out);
  return out->files;
}

// The editor opened on the metadata a client trusts after `files`.
RepositoryEditor reopen(const std::map<std::string, std::string>& files, TimePoint now) {
  auto root = parse_root(files.at("root")).value();
  auto targets = parse_targets(files.at("targets")).value();
  auto snapshot = parse_snapshot(files.at("snapshot")).value();
  auto timestamp = parse_timestamp(files.at("timestamp")).value();
  return RepositoryEditor::open(root.signed_, std::move(targets.signed_), &snapshot.signed_, &timestamp.signed_, now);
}

}  // namespace

TEST_CASE("editor: a new collection is four version-1 roles the client rules accept") {
  Keys k;
  auto files = created(k);
  REQUIRE(files.size() == 4);
  auto set = accept(files.at("root"), files);
  CHECK(set.root().signed_.version == 1);
  CHECK(set.root().signed_.expires == kNow + kDefaultRootExpiry);
  CHECK(set.targets()->signed_.version == 1);
  CHECK(set.targets()->signed_.expires == kNow + kDefaultTargetsExpiry);
  CHECK(set.snapshot()->signed_.expires == kNow + kDefaultSnapshotExpiry);
  CHECK(set.timestamp()->signed_.expires == kNow + kDefaultTimestampExpiry);
  CHECK(set.targets()->signed_.targets.at("v1").length == 3);
  // The root signature carries the certificate's key ID, as Notary writes it.
  CHECK(set.root().signatures.at(0).keyid == k.root.id);
  CHECK(set.root().signed_.roles.at("root").keyids == std::vector<std::string>{k.root.id});
}

TEST_CASE("editor: without snapshot and timestamp keys those roles are left to the server") {
  Keys k;
  auto e = RepositoryEditor::create(k.pubs(), kNow);
  e.set_target("v1", meta_for("one"));
  auto out = std::move(e).sign(Signers{{&k.root.key}, {&k.targets.key}, {}, {}, {}, {}});
  REQUIRE(out);
  CHECK(out->files.size() == 2);
  CHECK(out->files.contains("root"));
  CHECK(out->files.contains("targets"));
}

TEST_CASE("editor: adding a target bumps targets, snapshot and timestamp, keeps root, and writes Notary's bytes") {
  Keys k;
  auto files = created(k);
  auto later = kNow + std::chrono::hours(48);
  auto e = reopen(files, later);
  e.set_target("v2", meta_for("two"));
  auto out = std::move(e).sign(Signers{{}, {&k.targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  REQUIRE(out);
  CHECK_FALSE(out->files.contains("root"));
  CHECK(out->targets_version == 2);
  // Ed25519 signatures are deterministic: the bytes equal those of the model signed by hand.
  auto expected = parse_targets(files.at("targets")).value().signed_;
  expected.version = 2;
  expected.expires = later + kDefaultTargetsExpiry;
  expected.targets["v2"] = meta_for("two");
  auto by_hand = sign_metadata(to_json(expected), {{k.targets.id, &k.targets.key}});
  REQUIRE(by_hand);
  CHECK(out->files.at("targets") == *by_hand);

  auto set = TrustedSet::create(files.at("root"), later).value();
  REQUIRE(set.update_timestamp(files.at("timestamp")));
  REQUIRE(set.update_snapshot(files.at("snapshot")));
  REQUIRE(set.update_targets(files.at("targets")));
  REQUIRE(set.update_timestamp(out->files.at("timestamp")));
  REQUIRE(set.update_snapshot(out->files.at("snapshot")));
  REQUIRE(set.update_targets(out->files.at("targets")));
  CHECK(set.timestamp()->signed_.version == 2);
  CHECK(set.snapshot()->signed_.version == 2);
  CHECK(set.targets()->signed_.targets.size() == 2);
  // Snapshot still lists the unchanged root file.
  CHECK(set.snapshot()->signed_.meta.at("root").length == static_cast<std::int64_t>(files.at("root").size()));
}

TEST_CASE("editor: a signing key root does not list is refused before anything is signed") {
  Keys k;
  auto files = created(k);
  auto stranger = make_key();
  auto e = reopen(files, kNow);
  e.set_target("v2", meta_for("two"));
  auto out = std::move(e).sign(Signers{{}, {&stranger.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  REQUIRE_FALSE(out);
  CHECK(out.error().code == Errc::untrusted_key);
  CHECK_THAT(out.error().message, Catch::Contains(stranger.id) && Catch::Contains("targets"));
}

TEST_CASE("editor: signatures below the role's threshold are refused (own signatures verified)") {
  Keys k;
  auto second = make_key();
  auto files = created(k);
  // A root whose targets role needs two signatures, of which only one key is at hand.
  auto root = parse_root(files.at("root")).value().signed_;
  root.keys.emplace(second.id, second.pub);
  root.roles["targets"].keyids.push_back(second.id);
  root.roles["targets"].threshold = 2;
  auto targets = parse_targets(files.at("targets")).value().signed_;
  auto snapshot = parse_snapshot(files.at("snapshot")).value().signed_;
  auto e = RepositoryEditor::open(root, std::move(targets), &snapshot, nullptr, kNow);
  e.set_target("v2", meta_for("two"));
  auto out = std::move(e).sign(Signers{{}, {&k.targets.key}, {&k.snapshot.key}, {}, {}, {}});
  REQUIRE_FALSE(out);
  CHECK(out.error().code == Errc::bad_signature);
  CHECK_THAT(out.error().message, Catch::Contains("refusing to publish targets") && Catch::Contains("threshold is 2"));
  // With both keys it verifies.
  auto e2 = RepositoryEditor::open(root, parse_targets(files.at("targets")).value().signed_, &snapshot, nullptr, kNow);
  e2.set_target("v2", meta_for("two"));
  auto ok = std::move(e2).sign(Signers{{}, {&k.targets.key, &second.key}, {&k.snapshot.key}, {}, {}, {}});
  REQUIRE(ok);
}

TEST_CASE("editor: root rotation is signed by the old and the new root keys, and clients follow it") {
  Keys k;
  auto files = created(k);
  auto new_root = make_root_key("example.com/org/app");
  auto later = kNow + std::chrono::hours(1);
  auto rotate = [&](Signers s) {
    auto e = reopen(files, later);
    REQUIRE(e.replace_role_keys("root", {new_root.pub}));
    return std::move(e).sign(s);
  };
  // The new key alone is not enough: the old root's clients would refuse it (TUF 5.3.4).
  auto alone = rotate(Signers{{&new_root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  REQUIRE_FALSE(alone);
  // Nor the old key alone (the new root must be signed by its own keys).
  auto old_only = rotate(Signers{{&k.root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  REQUIRE_FALSE(old_only);
  CHECK(old_only.error().code == Errc::untrusted_key);

  auto out = rotate(Signers{{&new_root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {&k.root.key}, {}});
  REQUIRE(out);
  CHECK(out->root_version == 2);
  CHECK_FALSE(out->files.contains("targets"));
  auto root2 = parse_root(out->files.at("root")).value();
  CHECK(root2.signatures.size() == 2);
  CHECK(root2.signed_.roles.at("root").keyids == std::vector<std::string>{new_root.id});
  CHECK(root2.signed_.keys.contains(k.root.id));  // old certificate kept (notary RemoveBaseKeys)
  CHECK(root2.signed_.expires == later + kDefaultRootExpiry);

  auto set = TrustedSet::create(files.at("root"), later).value();
  REQUIRE(set.update_root(out->files.at("root")));
  REQUIRE(set.update_timestamp(out->files.at("timestamp")));
  REQUIRE(set.update_snapshot(out->files.at("snapshot")));
  REQUIRE(set.update_targets(files.at("targets")));
  CHECK(set.snapshot()->signed_.meta.at("root").length == static_cast<std::int64_t>(out->files.at("root").size()));
}

TEST_CASE("editor: targets rotation re-signs root with the root key and targets with the new key") {
  Keys k;
  auto files = created(k);
  auto new_targets = make_key();
  auto e = reopen(files, kNow);
  REQUIRE(e.replace_role_keys("targets", {new_targets.pub}));
  // The old targets key is no longer one of root's targets keys.
  auto refused = [&] {
    auto e2 = reopen(files, kNow);
    REQUIRE(e2.replace_role_keys("targets", {new_targets.pub}));
    return std::move(e2).sign(Signers{{&k.root.key}, {&k.targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  }();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::untrusted_key);

  auto out = std::move(e).sign(Signers{{&k.root.key}, {&new_targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}});
  REQUIRE(out);
  CHECK(out->root_version == 2);
  CHECK(out->targets_version == 2);
  auto root2 = parse_root(out->files.at("root")).value().signed_;
  CHECK_FALSE(root2.keys.contains(k.targets.id));  // unused keys leave root
  CHECK(root2.roles.at("targets").keyids == std::vector<std::string>{new_targets.id});
  auto set = TrustedSet::create(files.at("root"), kNow).value();
  REQUIRE(set.update_root(out->files.at("root")));
  REQUIRE(set.update_timestamp(out->files.at("timestamp")));
  REQUIRE(set.update_snapshot(out->files.at("snapshot")));
  REQUIRE(set.update_targets(out->files.at("targets")));
  CHECK(set.targets()->signed_.targets.contains("v1"));
}

TEST_CASE("editor: a snapshot or timestamp rotation signs that role with its new key") {
  Keys k;
  auto files = created(k);
  for (const char* role : {"snapshot", "timestamp"}) {
    auto fresh = make_key();
    auto e = reopen(files, kNow);
    REQUIRE(e.replace_role_keys(role, {fresh.pub}));
    Signers s{{&k.root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}};
    (std::string_view(role) == "snapshot" ? s.snapshot : s.timestamp) = {&fresh.key};
    auto out = std::move(e).sign(s);
    REQUIRE(out);
    CHECK(out->files.size() == 3);  // root, snapshot, timestamp; targets unchanged
    auto set = TrustedSet::create(files.at("root"), kNow).value();
    REQUIRE(set.update_root(out->files.at("root")));
    REQUIRE(set.update_timestamp(out->files.at("timestamp")));
    REQUIRE(set.update_snapshot(out->files.at("snapshot")));
    REQUIRE(set.update_targets(files.at("targets")));
  }
  // A server-managed snapshot key (no signer here): root alone is published.
  auto server = make_key();
  auto e = reopen(files, kNow);
  REQUIRE(e.replace_role_keys("snapshot", {server.pub}));
  auto out = std::move(e).sign(Signers{{&k.root.key}, {}, {}, {}, {}, {}});
  REQUIRE(out);
  CHECK(out->files.size() == 1);
  CHECK(out->files.contains("root"));
}

TEST_CASE("editor: replace_role_keys refuses delegations and empty key lists") {
  Keys k;
  auto e = RepositoryEditor::create(k.pubs(), kNow);
  CHECK(e.replace_role_keys("targets/releases", {k.targets.pub}).error().code == Errc::usage);
  CHECK(e.replace_role_keys("targets", {}).error().code == Errc::usage);
}

// Delegated roles (issue 8 item 4: image sign into targets/releases, notary tuf.go AddTargets).
namespace {

constexpr const char* kReleases = "targets/releases";

// A simulated collection delegating targets/releases (paths ""); with `published` its role file
// exists (one target "old"), else the snapshot does not list it yet.
testsim::Simulator releases_collection(bool published) {
  testsim::Simulator sim("example.com/org/app");
  sim.add_delegation(kReleases);
  if (published) {
    sim.delegated[kReleases].targets["old"] = meta_for("old");
  } else {
    sim.delegated.erase(kReleases);
  }
  sim.publish();
  return sim;
}

RepositoryEditor open_sim(const testsim::Simulator& sim, TimePoint now) {
  return RepositoryEditor::open(sim.root, sim.targets, &sim.snapshot, &sim.timestamp, now);
}

Signers sim_signers(testsim::Simulator& sim, bool with_snapshot = true) {
  Signers s;
  if (with_snapshot) {
    s.snapshot = {&sim.keys["snapshot"].front().key};
    s.timestamp = {&sim.keys["timestamp"].front().key};
  }
  s.delegations[kReleases] = {&sim.keys[kReleases].front().key};
  return s;
}

// The client rules over the simulator's root and targets and the editor's new files.
TrustedSet accept_delegated(const testsim::Simulator& sim, const std::map<std::string, std::string>& files, TimePoint now) {
  auto set = TrustedSet::create(sim.root_bytes, now);
  REQUIRE(set);
  REQUIRE(set->update_timestamp(files.at("timestamp")));
  REQUIRE(set->update_snapshot(files.at("snapshot")));
  REQUIRE(set->update_targets(sim.targets_bytes));
  auto st = set->update_delegated_targets(kReleases, "targets", files.at(kReleases));
  REQUIRE(st);
  return std::move(*set);
}

}  // namespace

TEST_CASE("editor: a target signed into a delegation never published makes its version 1, listed by the snapshot") {
  auto sim = releases_collection(false);
  REQUIRE_FALSE(sim.snapshot.meta.contains(kReleases));
  auto later = sim.now + std::chrono::hours(1);
  auto e = open_sim(sim, later);
  REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("manifest"), nullptr));
  auto out = std::move(e).sign(sim_signers(sim));
  REQUIRE(out);
  // targets is not re-signed: the delegation key alone signs (docker trust: no targets key needed).
  CHECK_FALSE(out->files.contains("targets"));
  CHECK_FALSE(out->files.contains("root"));
  CHECK(out->delegated_versions.at(kReleases) == 1);
  auto set = accept_delegated(sim, out->files, later);
  const auto* rel = set.targets(kReleases);
  REQUIRE(rel);
  CHECK(rel->signed_.version == 1);
  CHECK(rel->signed_.expires == later + kDefaultTargetsExpiry);
  CHECK(rel->signed_.targets.at("1.0").length == 8);
  CHECK(rel->signatures.at(0).keyid == sim.keys[kReleases].front().id);
  // Snapshot: the delegated file's length and hashes, the other entries kept.
  auto snap = set.snapshot()->signed_;
  CHECK(snap.meta.at(kReleases).length == static_cast<std::int64_t>(out->files.at(kReleases).size()));
  CHECK(snap.meta.at("targets").length == static_cast<std::int64_t>(sim.targets_bytes.size()));
  CHECK(snap.version == sim.snapshot.version + 1);
}

TEST_CASE("editor: a published delegation keeps its targets and moves to version + 1 with a new expiry") {
  auto sim = releases_collection(true);
  auto current = parse_targets(sim.delegated_bytes.at(kReleases)).value().signed_;
  current.version = 4;  // as the updater verified it
  auto later = sim.now + std::chrono::hours(72);
  auto e = open_sim(sim, later);
  REQUIRE(e.set_delegated_target(kReleases, "2.0", meta_for("two"), &current));
  REQUIRE(e.set_delegated_target(kReleases, "old", meta_for("replaced"), &current));
  auto out = std::move(e).sign(sim_signers(sim));
  REQUIRE(out);
  auto set = accept_delegated(sim, out->files, later);
  const auto& rel = set.targets(kReleases)->signed_;
  CHECK(rel.version == 5);
  CHECK(rel.expires == later + kDefaultTargetsExpiry);
  CHECK(rel.targets.size() == 2);
  CHECK(rel.targets.at("old").length == 8);
}

TEST_CASE("editor: without snapshot keys only the delegated role is output (the server signs snapshot)") {
  auto sim = releases_collection(false);
  auto e = open_sim(sim, sim.now);
  REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
  auto out = std::move(e).sign(sim_signers(sim, false));
  REQUIRE(out);
  CHECK(out->files.size() == 1);
  CHECK(out->files.contains(kReleases));
}

TEST_CASE("editor: delegated targets outside the delegation's paths, or of roles targets does not delegate, are refused") {
  auto sim = releases_collection(false);
  sim.targets.delegations.roles.at(0).paths = {"release-", "v1/"};
  auto e = open_sim(sim, sim.now);
  auto st = e.set_delegated_target(kReleases, "latest", meta_for("m"), nullptr);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::usage);
  CHECK_THAT(st.error().message, Catch::Contains("outside the paths") && Catch::Contains(kReleases));
  CHECK(e.set_delegated_target(kReleases, "release-1", meta_for("m"), nullptr));
  CHECK(e.set_delegated_target(kReleases, "v1/x", meta_for("m"), nullptr));
  CHECK_FALSE(e.set_delegated_target(kReleases, "v1", meta_for("m"), nullptr));  // a prefix, not a directory

  auto other = e.set_delegated_target("targets/ci", "x", meta_for("m"), nullptr);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == Errc::not_found);
  for (const char* bad : {"targets", "targets/", "targets/releases/sub", "targets/Releases", "root", "targets/../root"}) {
    auto r = e.set_delegated_target(bad, "x", meta_for("m"), nullptr);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::usage);
  }
  // An empty path list allows nothing (notary CheckPaths).
  sim.targets.delegations.roles.at(0).paths.clear();
  auto e2 = open_sim(sim, sim.now);
  CHECK_FALSE(e2.set_delegated_target(kReleases, "x", meta_for("m"), nullptr));
}

TEST_CASE("editor: a delegated role the snapshot lists but the updater did not verify is not replaced") {
  auto sim = releases_collection(true);
  auto e = open_sim(sim, sim.now);
  auto st = e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK_THAT(st.error().message, Catch::Contains("did not verify"));
}

TEST_CASE("editor: delegated signing keys are checked against the delegation's keys and threshold") {
  auto sim = releases_collection(false);
  SECTION("the targets key is not a releases key") {
    auto e = open_sim(sim, sim.now);
    REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
    auto s = sim_signers(sim);
    s.delegations[kReleases] = {&sim.keys["targets"].front().key};
    auto out = std::move(e).sign(s);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::untrusted_key);
    CHECK_THAT(out.error().message, Catch::Contains(sim.keys["targets"].front().id) && Catch::Contains(kReleases));
  }
  SECTION("no key given") {
    auto e = open_sim(sim, sim.now);
    REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
    auto s = sim_signers(sim);
    s.delegations.clear();
    auto out = std::move(e).sign(s);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::not_found);
  }
  SECTION("threshold 2, one key held: the own-signature check refuses to publish") {
    auto second = make_key();
    sim.targets.delegations.keys.emplace(second.id, second.pub);
    sim.targets.delegations.roles.at(0).keys.keyids.push_back(second.id);
    sim.targets.delegations.roles.at(0).keys.threshold = 2;
    auto e = open_sim(sim, sim.now);
    REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
    auto out = std::move(e).sign(sim_signers(sim));
    REQUIRE_FALSE(out);
    CHECK(out.error().code == Errc::bad_signature);
    CHECK_THAT(out.error().message, Catch::Contains("refusing to publish targets/releases"));
    // Both keys: accepted.
    auto e2 = open_sim(sim, sim.now);
    REQUIRE(e2.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
    auto s = sim_signers(sim);
    s.delegations[kReleases].push_back(&second.key);
    CHECK(std::move(e2).sign(s));
  }
  SECTION("a delegation listed by its x509 certificate key ID is found from the private key") {
    auto cert_key = make_root_key("releases");  // an ECDSA key with a certificate, as notary delegation add lists it
    sim.targets.delegations.keys.clear();
    sim.targets.delegations.keys.emplace(cert_key.id, cert_key.pub);
    sim.targets.delegations.roles.at(0).keys.keyids = {cert_key.id};
    auto e = open_sim(sim, sim.now);
    REQUIRE(e.set_delegated_target(kReleases, "1.0", meta_for("m"), nullptr));
    auto s = sim_signers(sim);
    s.delegations[kReleases] = {&cert_key.key};
    auto out = std::move(e).sign(s);
    REQUIRE(out);
    auto rel = parse_targets(out->files.at(kReleases)).value();
    CHECK(rel.signatures.at(0).keyid == cert_key.id);
  }
}

TEST_CASE("editor: add_delegation creates targets/releases in the same publish as its first target, remove_target drops one") {
  Keys k;
  auto files = created(k);
  auto later = kNow + std::chrono::hours(1);
  auto e = reopen(files, later);
  SimKey releases = make_key();
  REQUIRE(e.add_delegation(kReleases, releases.pub, {""}));
  auto again = e.add_delegation(kReleases, releases.pub, {""});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::conflict);
  CHECK_FALSE(e.add_delegation("targets/a/b", releases.pub, {""}));
  e.set_target("in-toto-metadata/root.layout", meta_for("layout"));
  e.remove_target("v1");
  REQUIRE(e.set_delegated_target(kReleases, "v1", meta_for("bundle"), nullptr));
  Signers s{{}, {&k.targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}, {}};
  s.delegations[kReleases] = {&releases.key};
  auto out = std::move(e).sign(s);
  REQUIRE(out);
  CHECK(out->delegated_versions.at(kReleases) == 1);
  auto set = TrustedSet::create(files.at("root"), later).value();
  REQUIRE(set.update_timestamp(out->files.at("timestamp")));
  REQUIRE(set.update_snapshot(out->files.at("snapshot")));
  REQUIRE(set.update_targets(out->files.at("targets")));
  REQUIRE(set.update_delegated_targets(kReleases, "targets", out->files.at(kReleases)));
  const auto& top = set.targets()->signed_;
  CHECK_FALSE(top.targets.contains("v1"));
  CHECK(top.targets.contains("in-toto-metadata/root.layout"));
  REQUIRE(top.delegations.roles.size() == 1);
  CHECK(top.delegations.roles[0].paths == std::vector<std::string>{""});
  CHECK(set.targets(kReleases)->signed_.targets.at("v1").length == 6);
}
