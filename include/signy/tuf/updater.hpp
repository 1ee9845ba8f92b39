// The TUF client workflow with its cache and fetch order (TUF 5, as Notary's client runs it:
// notary client/tufclient.go). Bytes come from a MetadataSource (the Notary HTTP API or a file
// repository); the rules are TrustedSet's; the cache is the trust directory's
// tuf/<gun>/metadata/, written only after the whole refresh verified, each file atomically.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "signy/tuf/trusted_set.hpp"

namespace signy::tuf {

// Where metadata comes from. Implementations enforce max_size while reading.
class MetadataSource {
 public:
  virtual ~MetadataSource() = default;
  virtual Result<std::string> fetch(std::string_view role, std::size_t max_size) = 0;  // <role>.json
  virtual Result<std::string> fetch_by_hash(std::string_view role, std::string_view sha256_hex, std::size_t max_size) = 0;
  virtual Result<std::string> fetch_by_version(std::string_view role, std::int64_t version, std::size_t max_size) = 0;
};

// The source has no such file: a server's 404 (Errc::not_found_remote, a network error) or a
// missing file in a file:// repository (Errc::not_found).
inline bool is_missing(const Error& e) { return e.code == Errc::not_found || e.code == Errc::not_found_remote; }

// Trust pinning (notary trustpinning): pinned root key IDs per GUN (exact or "prefix*"), and
// whether a GUN with neither a cached nor a pinned root may be trusted on first use.
struct TrustPinning {
  std::map<std::string, std::vector<std::string>> certs;  // GUN or "prefix*" -> root key IDs
  std::map<std::string, std::filesystem::path> ca;         // GUN prefix -> CA bundle (PEM)
  bool disable_tofu = false;
};

struct UpdaterConfig {
  std::size_t max_root_size = 5u << 20;       // no hash is known for root.json
  std::size_t max_timestamp_size = 1u << 20;  // notary const.go
  std::size_t max_root_rotations = 32;
  std::size_t max_delegations = 256;
  TrustPinning pinning;
  // Expired metadata is accepted and reported by Updater::expired() instead of refused (policy
  // level permissive or audit; every other check is unchanged). Off: TUF 5.3.10, 5.4.4, 5.5.6, 5.6.5.
  bool allow_expired = false;
};

class Updater {
 public:
  // cache_dir: <trust dir>/tuf/<gun>/metadata
  Updater(std::string gun, std::filesystem::path cache_dir, MetadataSource& source, TimePoint reference_time,
          UpdaterConfig config = {});

  // Refreshes root (rotations), timestamp, snapshot, targets and every delegation. On success the
  // cache holds exactly the verified files; on failure it is left as it was.
  Status refresh();

  struct TargetInfo {
    std::string name;
    std::string role;  // the role that signed it
    FileMeta meta;
  };
  // Notary's lookup order (client/reader.go): breadth-first from targets, delegations in their
  // parent's order, only where the role's paths allow the name; the first hit wins.
  std::optional<TargetInfo> find_target(std::string_view name) const;
  // `first` (a direct delegation of targets) when it is trusted, targets delegates it with paths
  // allowing the name and it lists the name; else find_target(name). Docker Content Trust looks
  // images up so (docker/cli trust.go GetTargetByName(tag, "targets/releases", "targets")).
  std::optional<TargetInfo> find_target(std::string_view name, std::string_view first) const;
  // Every target visible by the same rules (first occurrence of a name wins), sorted by name.
  // Views into the trusted metadata: valid while this Updater lives and is not refreshed.
  struct TargetView {
    std::string_view name;
    std::string_view role;
    const FileMeta* meta;
  };
  std::vector<TargetView> list_targets() const;
  // Moves the trusted top-level targets out (to modify and re-sign them without a copy of a
  // large role); the Updater no longer holds them.
  std::optional<Signed<Targets>> take_targets();

  const TrustedSet& trusted() const { return *set_; }
  // True when the root came from trust on first use in this refresh.
  bool used_tofu() const { return tofu_; }
  // Warnings met while refreshing (skipped delegations), one line each.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // With UpdaterConfig::allow_expired: each trusted role whose metadata is expired, one line each
  // ("<role> metadata expired at <time>"), in the order root, timestamp, snapshot, targets, delegations (by name).
  const std::vector<std::string>& expired() const { return expired_; }

 private:
  Status load_root();
  Status rotate_root();
  // A role the trusted metadata pins by length and hashes, applied to the trusted set by `apply`:
  // the cached copy if it is that file, else a download by hash. Returns the accepted bytes.
  Result<std::string> load_pinned(std::string_view role, const FileMeta& meta,
                                  const std::function<Status(std::string_view)>& apply);
  Status walk_delegations();
  Status persist();
  void note_expired();

  std::string gun_;
  std::filesystem::path cache_dir_;
  MetadataSource& source_;
  TimePoint now_;
  UpdaterConfig config_;
  std::optional<TrustedSet> set_;
  std::string root_bytes_;  // the bytes of the trusted root
  bool tofu_ = false;
  std::vector<std::string> warnings_;
  std::vector<std::string> expired_;
  std::map<std::string, std::string> verified_;  // role -> verified bytes, written by persist()
  std::set<std::string> unchanged_;              // roles whose cached file was the listed one
};

}  // namespace signy::tuf
