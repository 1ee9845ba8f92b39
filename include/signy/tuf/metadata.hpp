// TUF metadata as Notary 0.7 reads and writes it (tuf/data/*.go): the four top-level roles and
// delegated targets roles, in Notary's dialect of the TUF format (snapshot meta without versions,
// delegation paths as prefixes, no path_hash_prefixes). Parsing is strict about types and keeps
// the canonical bytes of the parsed `signed` object, because signatures are verified over those
// (never the raw file text). Serializing emits exactly Go's bytes (see envelope_bytes).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/time.hpp"

namespace signy::tuf {

using cjson::Json;

enum class RoleType { root, targets, snapshot, timestamp };
std::string_view type_name(RoleType t);  // "Root", "Targets", ... (the `_type` values)

struct Signature {
  std::string keyid;
  std::string method;  // lower-cased on parse, as Notary does
  Bytes sig;
};

// A role's keys and threshold (root.json "roles" entries; delegations add name and paths).
struct RoleKeys {
  std::vector<std::string> keyids;
  std::int64_t threshold = 1;
};

// The digests a parent lists for a file, by algorithm name. Notary lists sha256 and sha512: those
// are held inline (a collection may list tens of thousands of targets), anything else in a
// small vector. Visited in name order.
class Hashes {
 public:
  using View = std::span<const std::uint8_t>;
  // The digest for `alg`, empty when not listed.
  View get(std::string_view alg) const;
  bool contains(std::string_view alg) const { return !get(alg).empty(); }
  // sha256 and sha512 digests must have their exact sizes (the parser checks this first).
  void set(std::string_view alg, View digest);
  std::size_t size() const;
  template <class F>
  void for_each(F&& f) const {  // f(std::string_view alg, View digest)
    std::size_t i = 0;
    for (; i < other_.size() && other_[i].first < "sha256"; ++i) f(std::string_view(other_[i].first), View(other_[i].second));
    if (present_ & 1) f(std::string_view("sha256"), View(sha256_));
    for (; i < other_.size() && other_[i].first < "sha512"; ++i) f(std::string_view(other_[i].first), View(other_[i].second));
    if (present_ & 2) f(std::string_view("sha512"), View(sha512_));
    for (; i < other_.size(); ++i) f(std::string_view(other_[i].first), View(other_[i].second));
  }

 private:
  std::array<std::uint8_t, 32> sha256_{};
  std::array<std::uint8_t, 64> sha512_{};
  std::uint8_t present_ = 0;                          // bit 0: sha256, bit 1: sha512
  std::vector<std::pair<std::string, Bytes>> other_;  // sorted by name
};

struct FileMeta {
  std::int64_t length = 0;
  Hashes hashes;
  std::optional<Json> custom;  // targets only; written canonically
};

struct DelegatedRole {
  std::string name;  // "targets/releases"
  RoleKeys keys;
  std::vector<std::string> paths;  // string prefixes; "" = every target
};

struct Delegations {
  std::map<std::string, crypto::NotaryKey> keys;
  std::vector<DelegatedRole> roles;
};

struct Common {
  std::int64_t version = 1;
  TimePoint expires{};
};

struct Root : Common {
  bool consistent_snapshot = false;
  std::map<std::string, crypto::NotaryKey> keys;
  std::map<std::string, RoleKeys> roles;  // root, targets, snapshot, timestamp
};

struct Targets : Common {
  std::map<std::string, FileMeta> targets;
  Delegations delegations;
};

struct Snapshot : Common {
  std::map<std::string, FileMeta> meta;  // "root", "targets", "targets/releases", ...
};

struct Timestamp : Common {
  FileMeta snapshot;  // meta.snapshot
};

// A parsed metadata file: the typed payload, the canonical bytes of the parsed `signed` object
// (what the signatures cover: docker/go canonical JSON of the whole object, unknown fields
// included, never the file text) and the signatures.
// A large targets role may be parsed keeping only the SHA-256 of those bytes (canonical_sha256,
// canonical left empty) when every key that may sign it is ECDSA or RSA, which sign that digest.
template <class T>
struct Signed {
  T signed_;
  std::string canonical;
  std::optional<crypto::Sha256> canonical_sha256;
  std::vector<Signature> signatures;
};

// The length and SHA-256/SHA-512 of a metadata file or small target, as parents list them.
FileMeta make_file_meta(std::string_view bytes);

// Limits and checks shared by all roles: strict JSON, `_type`, version >= 1, RFC 3339 expiry.
Result<Signed<Root>> parse_root(std::string_view bytes);
Result<Signed<Targets>> parse_targets(std::string_view bytes, bool keep_canonical = true);
Result<Signed<Snapshot>> parse_snapshot(std::string_view bytes);
Result<Signed<Timestamp>> parse_timestamp(std::string_view bytes);

// signed.version of a metadata file, read without building anything (the rollback floor from a
// cached copy verified earlier). The file must still be valid JSON.
Result<std::int64_t> peek_version(std::string_view bytes);

// The `signed` payload as Notary's Go structs marshal it (only the fields Notary knows).
Json to_json(const Root& r);
Json to_json(const Targets& t);
Json to_json(const Snapshot& s);
Json to_json(const Timestamp& t);

// The bytes every signature covers: docker/go canonical JSON of the payload.
Result<std::string> canonical_bytes(const Json& signed_json);
// The same for a targets role, written without building its whole DOM (a role may list tens of
// thousands of targets): equal to canonical_bytes(to_json(t)).
Result<std::string> canonical_bytes(const Targets& t);

// The metadata file exactly as Notary's Go code writes it: {"signed":<canonical, with <>& and
// U+2028/9 escaped>,"signatures":[{"keyid","method","sig"}...]}, no whitespace, no newline.
// Snapshot and timestamp hashes are taken over these bytes (notary-formats 2.2, 2.3).
std::string envelope_bytes(std::string_view canonical, const std::vector<Signature>& signatures);

// Signs the payload with each key and returns the file bytes.
struct SigningKey {
  std::string keyid;  // as listed for the role (the x509 key ID for root certificates)
  const crypto::PrivateKey* key;
};
Result<std::string> sign_metadata(const Json& signed_json, const std::vector<SigningKey>& keys);
Result<std::string> sign_canonical(std::string_view canonical, const std::vector<SigningKey>& keys);

// A role's signatures against its threshold (TUF 5.x "verify signatures"; notary
// tuf/signed/verify.go), counted by the one threshold counter (crypto/threshold.hpp: distinct
// public keys, so that two key IDs naming one key count once). The candidates are the role's key
// IDs whose key hashes to the ID (notary ErrInvalidKeyID); each signature is checked with its
// Notary method over the canonical bytes. Unknown key IDs and bad signatures are skipped; the
// result is Errc::threshold_not_met (with the counts) or success.
// Given canonical_sha256 instead of the bytes (canonical empty), only ECDSA and RSA signatures
// can be checked; an Ed25519 one then does not count.
Status verify_threshold(std::string_view role, std::string_view canonical, const std::vector<Signature>& signatures,
                        const std::map<std::string, crypto::NotaryKey>& keys, const RoleKeys& role_keys,
                        const crypto::Sha256* canonical_sha256 = nullptr);

}  // namespace signy::tuf
