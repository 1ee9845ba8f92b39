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
  Signers all() const { return Signers{{&root.key}, {&targets.key}, {&snapshot.key}, {&timestamp.key}, {}}; }
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
  auto out = std::move(e).sign(Signers{{&k.root.key}, {&k.targets.key}, {}, {}, {}});
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
  auto out = std::move(e).sign(Signers{{}, {&k.targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
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
  auto out = std::move(e).sign(Signers{{}, {&stranger.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
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
  auto out = std::move(e).sign(Signers{{}, {&k.targets.key}, {&k.snapshot.key}, {}, {}});
  REQUIRE_FALSE(out);
  CHECK(out.error().code == Errc::bad_signature);
  CHECK_THAT(out.error().message, Catch::Contains("refusing to publish targets") && Catch::Contains("threshold is 2"));
  // With both keys it verifies.
  auto e2 = RepositoryEditor::open(root, parse_targets(files.at("targets")).value().signed_, &snapshot, nullptr, kNow);
  e2.set_target("v2", meta_for("two"));
  auto ok = std::move(e2).sign(Signers{{}, {&k.targets.key, &second.key}, {&k.snapshot.key}, {}, {}});
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
  auto alone = rotate(Signers{{&new_root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
  REQUIRE_FALSE(alone);
  // Nor the old key alone (the new root must be signed by its own keys).
  auto old_only = rotate(Signers{{&k.root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
  REQUIRE_FALSE(old_only);
  CHECK(old_only.error().code == Errc::untrusted_key);

  auto out = rotate(Signers{{&new_root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {&k.root.key}});
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
    return std::move(e2).sign(Signers{{&k.root.key}, {&k.targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
  }();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::untrusted_key);

  auto out = std::move(e).sign(Signers{{&k.root.key}, {&new_targets.key}, {&k.snapshot.key}, {&k.timestamp.key}, {}});
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
    Signers s{{&k.root.key}, {}, {&k.snapshot.key}, {&k.timestamp.key}, {}};
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
  auto out = std::move(e).sign(Signers{{&k.root.key}, {}, {}, {}, {}});
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
