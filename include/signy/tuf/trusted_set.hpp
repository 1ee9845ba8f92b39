// The TUF client workflow's rules (TUF specification section 5, as Notary's client applies them),
// over bytes and one reference time: no I/O, no clock, no cache. The Updater feeds it what it
// read from the cache and downloaded; every update either verifies and is kept, or is refused
// with the check that failed and leaves the set as it was.
//
// Notary's dialect: snapshot meta carries hashes and lengths but no versions; a downloaded
// version may equal the cached one (client/tufclient.go); root rotation goes one version at a
// time, each new root signed by a threshold of the previous root's keys and of its own.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "signy/tuf/metadata.hpp"

namespace signy::tuf {

class TrustedSet {
 public:
  // TUF 5.2: the trusted root (from the cache, a pin or first use) must be signed by a threshold
  // of its own root keys. Its expiry is checked after rotation (check_final_root).
  static Result<TrustedSet> create(std::string_view root_bytes, TimePoint reference_time);

  // TUF 5.3.4-5.3.7: the next root must be version N+1 and signed by a threshold of the trusted
  // root's keys and of its own. Then it replaces the trusted root; timestamp and snapshot are
  // forgotten when their keys rotated (TUF 5.3.11).
  Status update_root(std::string_view bytes);
  // TUF 5.3.10: the root in use must not be expired.
  Status check_final_root() const;

  // TUF 5.4: signed by the root's timestamp role, not older than the trusted timestamp, not
  // expired. allow_expired is for loading the cached copy as a rollback reference only.
  Status update_timestamp(std::string_view bytes, bool allow_expired = false);
  // TUF 5.5: length and hashes as the timestamp lists them, signed by the snapshot role, not
  // older than the trusted snapshot, not expired.
  Status update_snapshot(std::string_view bytes, bool allow_expired = false);
  // TUF 5.6: length and hashes as the snapshot lists them, signed by the root's targets role,
  // not older than the cached targets, not expired.
  Status update_targets(std::string_view bytes, bool allow_expired = false);
  // TUF 5.6.x for a delegated role: listed in the snapshot, delegated by `parent` (already
  // trusted) with its keys and threshold, not expired, not older than the cached copy.
  Status update_delegated_targets(std::string_view role, std::string_view parent, std::string_view bytes,
                                  bool allow_expired = false);

  // A version verified in an earlier run (read from the cache): later copies of the role must
  // not be older (rollback floor). Raises the floor only.
  void note_trusted_version(std::string_view role, std::int64_t version);

  const Signed<Root>& root() const { return root_; }
  const Signed<Timestamp>* timestamp() const { return timestamp_ ? &*timestamp_ : nullptr; }
  const Signed<Snapshot>* snapshot() const { return snapshot_ ? &*snapshot_ : nullptr; }
  // "targets" or a delegated role name.
  const Signed<Targets>* targets(std::string_view role = "targets") const;
  // The role's name as stored here (a view that lives as long as the set holds the role).
  std::string_view targets_role_name(std::string_view role) const;
  // Moves the top-level targets out; the set no longer holds them.
  std::optional<Signed<Targets>> take_targets();
  TimePoint reference_time() const { return now_; }

 private:
  TrustedSet(Signed<Root> root, TimePoint now) : root_(std::move(root)), now_(now) {}
  Status check_expiry(std::string_view role, const Common& c) const;
  Status check_file_meta(std::string_view role, const FileMeta& expected, std::string_view bytes) const;

  Signed<Root> root_;
  TimePoint now_;
  std::optional<Signed<Timestamp>> timestamp_;
  std::optional<Signed<Snapshot>> snapshot_;
  std::map<std::string, Signed<Targets>, std::less<>> targets_;
  // Versions of roles last loaded, for rollback checks of their next copies.
  std::map<std::string, std::int64_t, std::less<>> versions_;
};

}  // namespace signy::tuf
