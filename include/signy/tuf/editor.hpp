// Editing a collection's TUF metadata as Notary's client does (notary tuf/tuf.go Repo,
// client/client.go publish): create a collection, add or replace a target of targets or of a
// direct delegated role of targets (targets/releases), replace a role's keys (rotation), then
// sign what changed (bumping versions and expiries), verify every signature set
// against the root's keys and threshold, and hand back the files to publish. Keys are given as
// crypto::PrivateKey pointers; no I/O, no clock (the reference time is given).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signy/tuf/metadata.hpp"

namespace signy::tuf {

// Notary's default expiries (notary const.go NotaryDefaultExpiries).
inline constexpr auto kDefaultRootExpiry = std::chrono::hours(24 * 3650);
inline constexpr auto kDefaultTargetsExpiry = std::chrono::hours(24 * 1095);
inline constexpr auto kDefaultSnapshotExpiry = std::chrono::hours(24 * 1095);
inline constexpr auto kDefaultTimestampExpiry = std::chrono::hours(24 * 14);

// The private keys to sign with, per role. A role whose metadata changed must have a signer
// (root, targets), except snapshot and timestamp: without a signer they are left to the server
// (Notary's server-managed keys). previous_root: the root keys of the root before a rotation of
// the root role, which must sign the new root too (TUF 5.3.4, notary tuf.go SignRoot).
struct Signers {
  std::vector<const crypto::PrivateKey*> root, targets, snapshot, timestamp, previous_root;
  // Delegated role ("targets/releases") -> its keys, for the delegated roles changed here.
  std::map<std::string, std::vector<const crypto::PrivateKey*>> delegations;
};

class RepositoryEditor {
 public:
  // The public keys of a new collection: root is the root key's certificate key (ecdsa-x509 or
  // rsa-x509), one key each for the other roles, threshold 1 (notary client initialize).
  struct NewKeys {
    crypto::NotaryKey root, targets, snapshot, timestamp;
  };
  // Root, targets, snapshot and timestamp version 1, each with Notary's default expiry from now.
  static RepositoryEditor create(const NewKeys& keys, TimePoint now);
  // An existing collection from its trusted metadata. `targets` is moved in (a collection may list
  // tens of thousands of targets); snapshot and timestamp (small) are copied.
  static RepositoryEditor open(Root root, Targets targets, const Snapshot* snapshot, const Timestamp* timestamp,
                               TimePoint now);

  // Adds or replaces a target of the top-level targets role.
  void set_target(const std::string& name, FileMeta meta);
  // Removes a target of the top-level targets role (nothing changes when it lists none).
  void remove_target(const std::string& name);
  // Adds the direct child delegation `role` of targets with one key, threshold 1 and `paths`
  // (notary delegation add: string prefixes, "" = every name); targets is re-signed. A role
  // targets already delegates is refused (its keys are not replaced here).
  Status add_delegation(const std::string& role, const crypto::NotaryKey& key, std::vector<std::string> paths);
  // Adds or replaces a target of `role`, a direct child delegation of targets (notary tuf.go
  // AddTargets into a delegation): targets must delegate it, and `name` must be within its
  // paths (notary: string prefixes, "" = every name). `current`: the role's metadata the updater
  // verified, or null when the snapshot does not list the role yet (never published: this makes
  // version 1). A role the snapshot lists but that was not verified (expired, under-signed) is
  // refused: its targets would be lost. Targets itself is not re-signed.
  Status set_delegated_target(const std::string& role, const std::string& name, FileMeta meta, const Targets* current);
  // Replaces every key of a top-level role, threshold 1 (notary ReplaceBaseKeys): root is
  // re-signed, and so is the role itself. Keys no longer used by any role leave root's key map,
  // except old root certificates, which stay (notary RemoveBaseKeys).
  Status replace_role_keys(std::string_view role, const std::vector<crypto::NotaryKey>& keys);

  const Root& root() const { return root_; }
  // The root the collection had when opened (before any rotation).
  const Root& original_root() const { return original_root_; }
  // The key ID root lists for `key` in `role` (matched by canonical key ID, so a root
  // certificate's x509 key ID is found from its private key), or empty.
  static std::string key_id_in_role(const Root& root, std::string_view role, const crypto::PrivateKey& key);
  // The same for a delegation: the key ID `d` lists for `key` (by canonical key ID), or empty.
  static std::string key_id_in_delegation(const Delegations& delegations, const DelegatedRole& d,
                                          const crypto::PrivateKey& key);
  // A direct child delegation `role` of targets as `targets` lists it, or null.
  static const DelegatedRole* find_delegation(const Targets& targets, std::string_view role);
  // Notary's path rule (tuf/data/roles.go CheckPaths): `name` starts with one of the paths.
  static bool within_paths(const DelegatedRole& d, std::string_view name);

  struct Output {
    std::map<std::string, std::string> files;  // role -> file bytes, only the roles signed here
    std::int64_t root_version = 0, targets_version = 0;
    std::map<std::string, std::int64_t> delegated_versions;  // delegated role -> its new version
  };
  // Signs each changed role in order (root, targets, delegated roles, snapshot, timestamp): root
  // when created or its keys changed, targets when created or a target or its keys changed, a
  // delegated role when one of its targets changed (with Signers::delegations, checked against the
  // keys and threshold of its delegation in targets), snapshot whenever a targets role changed (or its keys did) and a snapshot signer is given, timestamp when the
  // snapshot was signed here and a timestamp signer is given. Existing roles get version + 1 and
  // a new default expiry. Every signature set is verified against the keys and threshold root
  // lists for the role (a new root also against the previous root's; a delegated role against its
  // delegation's), so a key whose public half
  // does not match, or that root does not list, is refused before anything is published.
  // Consumes the editor: the targets model is released once its canonical bytes are written.
  Result<Output> sign(const Signers& signers) &&;

 private:
  RepositoryEditor() = default;
  Root root_, original_root_;
  Targets targets_;
  std::optional<Snapshot> snapshot_;
  std::optional<Timestamp> timestamp_;
  // Delegated roles changed here: their next metadata and the delegation (keys, threshold) that
  // verifies it, copied out of targets (which sign() may release first).
  struct DelegatedEdit {
    Targets meta;
    DelegatedRole delegation;
    std::map<std::string, crypto::NotaryKey> keys;  // the delegation's keys only
  };
  std::map<std::string, DelegatedEdit> delegated_;
  TimePoint now_{};
  bool created_ = false, root_dirty_ = false, targets_dirty_ = false, snapshot_dirty_ = false;
};

}  // namespace signy::tuf
