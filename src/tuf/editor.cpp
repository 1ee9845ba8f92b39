#include "signy/tuf/editor.hpp"

#include <algorithm>
#include <set>

namespace signy::tuf {
namespace {

constexpr const char* kTopLevel[] = {"root", "targets", "snapshot", "timestamp"};

bool top_level(std::string_view role) {
  for (const char* r : kTopLevel)
    if (role == r) return true;
  return false;
}

// Signs canonical bytes with (keyid, key) pairs, checks the signatures reach the role's
// threshold in `root` (and in `also`, for a root whose root role changed), then writes the file.
Result<std::string> sign_and_check(std::string_view role, std::string_view canonical,
                                   const std::vector<std::pair<std::string, const crypto::PrivateKey*>>& keys,
                                   const Root& root, const Root* also = nullptr) {
  std::vector<Signature> sigs;
  sigs.reserve(keys.size());
  for (const auto& [keyid, key] : keys) {
    auto s = SIGNY_TRY(crypto::notary_sign(*key, keyid, as_bytes(canonical)));
    sigs.push_back(Signature{std::move(s.keyid), std::move(s.method), std::move(s.sig)});
  }
  // Our own signatures, checked as every client will check them (the one threshold counter).
  auto check = [&](const Root& r, std::string_view what) -> Status {
    auto st = verify_threshold(role, canonical, sigs, r.keys, r.roles.at(std::string(role)));
    if (!st)
      return fail(Errc::bad_signature, "refusing to publish " + std::string(role) + ": the signatures just made do not verify with " +
                                           std::string(what) + " (" + st.error().message +
                                           "); a key file whose public half does not match its private key?");
    return {};
  };
  SIGNY_TRY_VOID(check(root, "the keys root lists"));
  if (also) SIGNY_TRY_VOID(check(*also, "the previous root's keys"));
  return envelope_bytes(canonical, sigs);
}

// (key ID as root lists it, key) for each signer, or an error naming a key root does not list.
Result<std::vector<std::pair<std::string, const crypto::PrivateKey*>>> resolve(
    const Root& root, std::string_view role, const std::vector<const crypto::PrivateKey*>& signers) {
  std::vector<std::pair<std::string, const crypto::PrivateKey*>> out;
  if (signers.empty()) return fail(Errc::not_found, "no " + std::string(role) + " key to sign " + std::string(role) + " with");
  for (const auto* k : signers) {
    auto id = RepositoryEditor::key_id_in_role(root, role, *k);
    if (id.empty())
      return fail(Errc::untrusted_key, "the " + std::string(role) + " key " + crypto::notary_public_key(*k).key_id() +
                                           " is not one of the " + std::string(role) + " keys root version " +
                                           std::to_string(root.version) + " lists");
    out.emplace_back(std::move(id), k);
  }
  return out;
}

}  // namespace

RepositoryEditor RepositoryEditor::create(const NewKeys& keys, TimePoint now) {
  RepositoryEditor e;
  e.now_ = now;
  e.created_ = true;
  e.root_.expires = now + kDefaultRootExpiry;
  auto add = [&](const char* role, const crypto::NotaryKey& k) {
    auto id = k.key_id();
    e.root_.keys.emplace(id, k);
    e.root_.roles[role] = RoleKeys{{id}, 1};
  };
  add("root", keys.root);
  add("targets", keys.targets);
  add("snapshot", keys.snapshot);
  add("timestamp", keys.timestamp);
  e.original_root_ = e.root_;
  e.targets_.expires = now + kDefaultTargetsExpiry;
  e.snapshot_.emplace();
  e.snapshot_->expires = now + kDefaultSnapshotExpiry;
  e.timestamp_.emplace();
  e.timestamp_->expires = now + kDefaultTimestampExpiry;
  e.root_dirty_ = e.targets_dirty_ = true;
  return e;
}

RepositoryEditor RepositoryEditor::open(Root root, Targets targets, const Snapshot* snapshot, const Timestamp* timestamp,
                                        TimePoint now) {
  RepositoryEditor e;
  e.now_ = now;
  e.original_root_ = root;
  e.root_ = std::move(root);
  e.targets_ = std::move(targets);
  if (snapshot) e.snapshot_ = *snapshot;
  if (timestamp) e.timestamp_ = *timestamp;
  return e;
}

std::string RepositoryEditor::key_id_in_role(const Root& root, std::string_view role, const crypto::PrivateKey& key) {
  auto it = root.roles.find(std::string(role));
  if (it == root.roles.end()) return {};
  auto canonical = crypto::notary_public_key(key).key_id();
  for (const auto& id : it->second.keyids)
    if (auto k = root.keys.find(id); k != root.keys.end() && k->second.canonical_key_id() == canonical) return id;
  return {};
}

void RepositoryEditor::set_target(const std::string& name, FileMeta meta) {
  targets_.targets[name] = std::move(meta);
  targets_dirty_ = true;
}

Status RepositoryEditor::replace_role_keys(std::string_view role_in, const std::vector<crypto::NotaryKey>& keys) {
  std::string role(role_in);
  if (!top_level(role)) return fail(Errc::usage, "only the keys of root, targets, snapshot and timestamp can be replaced");
  if (keys.empty()) return fail(Errc::usage, "a role needs at least one key");
  auto& entry = root_.roles[role];
  std::set<std::string> dropped(entry.keyids.begin(), entry.keyids.end());
  entry.keyids.clear();
  for (const auto& k : keys) {
    auto id = k.key_id();
    root_.keys[id] = k;
    if (std::find(entry.keyids.begin(), entry.keyids.end(), id) == entry.keyids.end()) entry.keyids.push_back(id);
    dropped.erase(id);
  }
  entry.threshold = 1;
  // notary RemoveBaseKeys: keys no other role uses leave the key map, except root certificates
  // (clients need them to follow the rotation from older roots).
  if (role != "root")
    for (const auto& [name, other] : root_.roles)
      for (const auto& id : other.keyids) dropped.erase(id);
  if (role != "root")
    for (const auto& id : dropped) root_.keys.erase(id);
  root_dirty_ = true;
  if (role == "targets") targets_dirty_ = true;
  if (role == "snapshot") snapshot_dirty_ = true;
  return {};
}

Result<RepositoryEditor::Output> RepositoryEditor::sign(const Signers& signers) && {
  // An existing role's next version: version + 1 and Notary's default expiry from now (a role
  // create() made keeps version 1 and its expiry).
  auto next_version = [this](auto& role, auto expiry) {
    if (created_) return;
    role.version += 1;
    role.expires = now_ + expiry;
  };
  Output out;
  auto& files = out.files;
  if (root_dirty_) {
    if (!created_) {
      root_.version = original_root_.version + 1;
      root_.expires = now_ + kDefaultRootExpiry;
    }
    auto keys = SIGNY_TRY(resolve(root_, "root", signers.root));
    // A changed root role: the previous root's keys sign too (TUF 5.3.4), each key once.
    const auto& before = original_root_.roles.at("root");
    const auto& after = root_.roles.at("root");
    bool rotated = before.keyids != after.keyids || before.threshold != after.threshold;
    if (rotated) {
      auto old = SIGNY_TRY(resolve(original_root_, "root", signers.previous_root));
      for (auto& o : old) {
        bool dup = false;
        for (const auto& k : keys) dup = dup || k.first == o.first;
        if (!dup) keys.push_back(std::move(o));
      }
    }
    auto canonical = SIGNY_TRY(canonical_bytes(to_json(root_)));
    files["root"] = SIGNY_TRY(sign_and_check("root", canonical, keys, root_, rotated ? &original_root_ : nullptr));
    out.root_version = root_.version;
  }
  if (targets_dirty_) {
    next_version(targets_, kDefaultTargetsExpiry);
    auto keys = SIGNY_TRY(resolve(root_, "targets", signers.targets));
    out.targets_version = targets_.version;
    // Written straight from the model, which is then released before signing.
    auto canonical = SIGNY_TRY(canonical_bytes(targets_));
    targets_ = Targets();
    files["targets"] = SIGNY_TRY(sign_and_check("targets", canonical, keys, root_));
  }
  bool snapshot_needed = root_dirty_ || targets_dirty_ || snapshot_dirty_;
  if (snapshot_needed && !signers.snapshot.empty()) {
    if (!snapshot_) {
      snapshot_.emplace();
      snapshot_->version = 0;
    }
    next_version(*snapshot_, kDefaultSnapshotExpiry);
    if (auto it = files.find("root"); it != files.end()) snapshot_->meta["root"] = make_file_meta(it->second);
    if (auto it = files.find("targets"); it != files.end()) snapshot_->meta["targets"] = make_file_meta(it->second);
    auto keys = SIGNY_TRY(resolve(root_, "snapshot", signers.snapshot));
    auto canonical = SIGNY_TRY(canonical_bytes(to_json(*snapshot_)));
    files["snapshot"] = SIGNY_TRY(sign_and_check("snapshot", canonical, keys, root_));
  }
  // Nothing new to time-stamp here when the server signs the snapshot: it signs the timestamp too.
  if (files.contains("snapshot") && !signers.timestamp.empty()) {
    if (!timestamp_) {
      timestamp_.emplace();
      timestamp_->version = 0;
    }
    next_version(*timestamp_, kDefaultTimestampExpiry);
    timestamp_->snapshot = make_file_meta(files["snapshot"]);
    auto keys = SIGNY_TRY(resolve(root_, "timestamp", signers.timestamp));
    auto canonical = SIGNY_TRY(canonical_bytes(to_json(*timestamp_)));
    files["timestamp"] = SIGNY_TRY(sign_and_check("timestamp", canonical, keys, root_));
  }
  return out;
}

}  // namespace signy::tuf
