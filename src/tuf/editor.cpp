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

// The keys and threshold a role's signatures are checked against, and what to call them.
struct Verifier {
  const std::map<std::string, crypto::NotaryKey>* keys;
  const RoleKeys* role;
  std::string what;
};
Verifier by_root(const Root& r, std::string_view role, std::string what) {
  return {&r.keys, &r.roles.at(std::string(role)), std::move(what)};
}

// Signs canonical bytes with (keyid, key) pairs, checks the signatures reach the role's
// threshold with each verifier (root's keys; also the previous root's for a root whose root role
// changed; a delegation's keys for a delegated role), then writes the file.
Result<std::string> sign_and_check(std::string_view role, std::string_view canonical,
                                   const std::vector<std::pair<std::string, const crypto::PrivateKey*>>& keys,
                                   const std::vector<Verifier>& verifiers) {
  std::vector<Signature> sigs;
  sigs.reserve(keys.size());
  for (const auto& [keyid, key] : keys) {
    auto s = SIGNY_TRY(crypto::notary_sign(*key, keyid, as_bytes(canonical)));
    sigs.push_back(Signature{std::move(s.keyid), std::move(s.method), std::move(s.sig)});
  }
  // Our own signatures, checked as every client will check them (the one threshold counter).
  for (const auto& v : verifiers) {
    auto st = verify_threshold(role, canonical, sigs, *v.keys, *v.role);
    if (!st)
      return fail(Errc::bad_signature, "refusing to publish " + std::string(role) + ": the signatures just made do not verify with " +
                                           v.what + " (" + st.error().message +
                                           "); a key file whose public half does not match its private key?");
  }
  return envelope_bytes(canonical, sigs);
}

// notary tuf/data/roles.go IsDelegation, for a direct child of targets: "targets/" + [-a-z0-9_]+.
bool direct_child_of_targets(std::string_view role) {
  if (role.size() >= 256 || role.size() <= 8 || role.substr(0, 8) != "targets/") return false;
  return std::all_of(role.begin() + 8, role.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
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

void RepositoryEditor::remove_target(const std::string& name) {
  if (targets_.targets.erase(name) > 0) targets_dirty_ = true;
}

Status RepositoryEditor::add_delegation(const std::string& role, const crypto::NotaryKey& key, std::vector<std::string> paths) {
  if (!direct_child_of_targets(role))
    return fail(Errc::usage, "\"" + role.substr(0, 64) + "\" is not a direct delegation of targets (targets/NAME)");
  if (find_delegation(targets_, role)) return fail(Errc::conflict, "targets already delegates " + role);
  auto id = key.key_id();
  targets_.delegations.keys.emplace(id, key);
  targets_.delegations.roles.push_back(DelegatedRole{role, RoleKeys{{id}, 1}, std::move(paths)});
  targets_dirty_ = true;
  return {};
}

std::string RepositoryEditor::key_id_in_delegation(const Delegations& delegations, const DelegatedRole& d,
                                                  const crypto::PrivateKey& key) {
  auto canonical = crypto::notary_public_key(key).key_id();
  for (const auto& id : d.keys.keyids)
    if (auto k = delegations.keys.find(id); k != delegations.keys.end() && k->second.canonical_key_id() == canonical) return id;
  return {};
}

const DelegatedRole* RepositoryEditor::find_delegation(const Targets& targets, std::string_view role) {
  if (!direct_child_of_targets(role)) return nullptr;
  for (const auto& d : targets.delegations.roles)
    if (d.name == role) return &d;
  return nullptr;
}

bool RepositoryEditor::within_paths(const DelegatedRole& d, std::string_view name) {
  return std::any_of(d.paths.begin(), d.paths.end(), [&](const std::string& p) { return name.substr(0, p.size()) == p; });
}

Status RepositoryEditor::set_delegated_target(const std::string& role, const std::string& name, FileMeta meta,
                                              const Targets* current) {
  if (!direct_child_of_targets(role))
    return fail(Errc::usage, "\"" + role.substr(0, 64) + "\" is not a direct delegation of targets (targets/NAME)");
  auto it = delegated_.find(role);
  const DelegatedRole* d = it != delegated_.end() ? &it->second.delegation : find_delegation(targets_, role);
  if (!d) return fail(Errc::not_found, "targets delegates no role " + role);
  if (!within_paths(*d, name))
    return fail(Errc::usage, "target \"" + name.substr(0, 128) + "\" is outside the paths targets delegates to " + role);
  if (it == delegated_.end()) {
    if (!current && snapshot_ && snapshot_->meta.contains(role))
      return fail(Errc::untrusted_key, "the snapshot lists " + role + " but its metadata did not verify (expired or under-signed?): "
                                       "not replacing it");
    DelegatedEdit edit;
    edit.delegation = *d;
    for (const auto& id : d->keys.keyids)
      if (auto k = targets_.delegations.keys.find(id); k != targets_.delegations.keys.end()) edit.keys.emplace(id, k->second);
    if (current) {
      edit.meta = *current;
      edit.meta.version = current->version + 1;
    } else {
      edit.meta.version = 1;
    }
    it = delegated_.emplace(role, std::move(edit)).first;
  }
  it->second.meta.targets[name] = std::move(meta);
  return {};
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
    std::vector<Verifier> verifiers{by_root(root_, "root", "the keys root lists")};
    if (rotated) verifiers.push_back(by_root(original_root_, "root", "the previous root's keys"));
    files["root"] = SIGNY_TRY(sign_and_check("root", canonical, keys, verifiers));
    out.root_version = root_.version;
  }
  if (targets_dirty_) {
    next_version(targets_, kDefaultTargetsExpiry);
    auto keys = SIGNY_TRY(resolve(root_, "targets", signers.targets));
    out.targets_version = targets_.version;
    // Written straight from the model, which is then released before signing.
    auto canonical = SIGNY_TRY(canonical_bytes(targets_));
    targets_ = Targets();
    files["targets"] = SIGNY_TRY(sign_and_check("targets", canonical, keys, {by_root(root_, "targets", "the keys root lists")}));
  }
  for (auto& [role, edit] : delegated_) {
    // notary: a delegated role's expiry is the targets default; version 1 when first published.
    auto& meta = edit.meta;
    meta.expires = now_ + kDefaultTargetsExpiry;
    auto signers_it = signers.delegations.find(role);
    if (signers_it == signers.delegations.end() || signers_it->second.empty())
      return fail(Errc::not_found, "no " + role + " key to sign " + role + " with");
    std::vector<std::pair<std::string, const crypto::PrivateKey*>> keys;
    Delegations held{edit.keys, {}};
    for (const auto* k : signers_it->second) {
      auto id = key_id_in_delegation(held, edit.delegation, *k);
      if (id.empty())
        return fail(Errc::untrusted_key, "the key " + crypto::notary_public_key(*k).key_id() + " is not one of the " + role +
                                             " keys targets delegates to");
      keys.emplace_back(std::move(id), k);
    }
    out.delegated_versions[role] = meta.version;
    auto canonical = SIGNY_TRY(canonical_bytes(meta));
    files[role] = SIGNY_TRY(sign_and_check(role, canonical, keys,
                                           {Verifier{&edit.keys, &edit.delegation.keys, "the keys targets delegates " + role + " to"}}));
  }
  bool snapshot_needed = root_dirty_ || targets_dirty_ || snapshot_dirty_ || !delegated_.empty();
  if (snapshot_needed && !signers.snapshot.empty()) {
    if (!snapshot_) {
      snapshot_.emplace();
      snapshot_->version = 0;
    }
    next_version(*snapshot_, kDefaultSnapshotExpiry);
    if (auto it = files.find("root"); it != files.end()) snapshot_->meta["root"] = make_file_meta(it->second);
    if (auto it = files.find("targets"); it != files.end()) snapshot_->meta["targets"] = make_file_meta(it->second);
    // Notary snapshot meta: length and hashes of every targets role file, delegations included.
    for (const auto& [role, edit] : delegated_) snapshot_->meta[role] = make_file_meta(files.at(role));
    auto keys = SIGNY_TRY(resolve(root_, "snapshot", signers.snapshot));
    auto canonical = SIGNY_TRY(canonical_bytes(to_json(*snapshot_)));
    files["snapshot"] = SIGNY_TRY(sign_and_check("snapshot", canonical, keys, {by_root(root_, "snapshot", "the keys root lists")}));
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
    files["timestamp"] = SIGNY_TRY(sign_and_check("timestamp", canonical, keys, {by_root(root_, "timestamp", "the keys root lists")}));
  }
  return out;
}

}  // namespace signy::tuf
