// signy's operations, composed from the modules: sign a thick bundle as a TUF target, verify a
// local bundle against the trusted target, list a collection's targets (cnab-spec 300-303).
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signy/cnab/image.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/net/http.hpp"
#include "signy/oci/registry.hpp"
#include "signy/tuf/repository_map.hpp"
#include "signy/tuf/updater.hpp"
#include "signy/util/lock.hpp"

namespace signy::api {

struct Context {
  std::filesystem::path trust_dir;
  std::string server;  // "https://notary:4443" or "file:///path"; empty = file://<trust_dir>/server
  net::HttpOptions http;  // --tlscacert, -t/--timeout
  oci::RegistryOptions registry;  // --registry-ca, --insecure-registry, -t/--timeout
  keystore::PassphraseSource* passphrases = nullptr;
  TimePoint now;  // the one reference time of the command
  tuf::UpdaterConfig updater;
  std::chrono::milliseconds lock_wait = kDefaultLockWait;  // for another writer's lock (SIGNY_LOCK_TIMEOUT)
  // TAP 4 (cnab-spec 303; tuf/repository_map.hpp): the map.json that names which repositories
  // must agree on a target. Unset: <trust dir>/map.json when it exists, else the one server.
  std::optional<std::filesystem::path> repository_map;
  // That map once read (verify_bundle reads it before any download, so that a bad map denies as
  // a bad request); every later step uses it and nothing reads the file again. Unset: not read
  // yet (repository_map_of reads it); set to null: no map, the one server.
  std::optional<std::shared_ptr<const tuf::RepositoryMap>> loaded_repository_map;
  // TUF metadata the repository confirmed at most this long ago is used from the trust cache
  // (re-verified, no download); 0: always refresh. verify_bundle uses the maxMetadataAge of the
  // policy a policy document selects instead (0 included); with the built-in default, this value.
  std::chrono::seconds max_metadata_age{0};
  // Long hashing reports progress here (bytes done, bytes in all); unset: silent. The CLI sets it
  // only on a terminal and never with -o json.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

// signy sign --in-toto (cnab-spec 301; docs/security/in-toto-distribution.md): targets signs the
// layout (and its dedicated key), targets/releases the bundle with the links it lists in custom.
struct InTotoPublish {
  std::filesystem::path layout;  // a signed layout metablock
  std::filesystem::path links;   // a directory of "<step>.<keyid[:8]>.link" files, nothing else
  // A securesystemslib public key dict (signy key export --format in-toto): the layout's dedicated
  // key, published as a targets-signed target. Unset: the layout is checked with root's keys.
  std::optional<std::filesystem::path> layout_key;
};

struct SignResult {
  std::string gun, target;
  crypto::Digests digests;
  std::int64_t targets_version = 0;  // the new version of `role`
  bool initialized = false;  // the collection was created by this command
  std::string role = "targets";  // the role signed into: targets, or targets/releases (sign_image, --in-toto)
  std::vector<std::string> in_toto_targets;  // --in-toto: every in-toto target published, sorted
  std::string in_toto_storage;               // --in-toto: where the files were stored
};
// Streams the file through SHA-256 and SHA-512 and publishes it as target <tag> of <gun>
// (creating the collection on first use: the trust dir's only root key, or a new one, or the one
// --root-key/--root-key-id names; a new targets key of its own unless --targets-key names one).
// Every signature is checked against root's keys before anything is published.
// Concurrent signs of one collection take turns (a lock per collection in the trust dir; the first
// sign of a collection also locks key creation); a publish that another writer beat is redone
// from a fresh refresh up to kPublishAttempts times, then Errc::conflict.
struct SignOptions {
  // Only when the collection is created (notary init --rootkey): import this encrypted PEM root
  // key into the trust dir and use it instead of the trust dir's root key.
  std::optional<std::filesystem::path> root_key_file;
  // Only when the collection is created: the root key (--root-key-id) or targets key
  // (--targets-key) in the trust dir to use, by key ID. Without --root-key-id the trust dir must
  // hold at most one root key; without --targets-key a new targets key is made for the GUN.
  std::optional<std::string> root_key_id, targets_key_id;
  // Only when the collection is created on a Notary server: keep the snapshot key in the trust
  // dir and sign snapshots here (default: the server holds the snapshot key and signs them).
  bool local_snapshot = false;
  // Image signing (docker/cli trust_push.go AddToAllSignableRoles): when the existing collection's
  // targets delegates targets/releases, its paths allow the tag and one of its keys is in the trust
  // dir (found by key ID, whatever the key file's role), sign into targets/releases with it (no
  // targets key needed); else into targets. Thin and thick bundles sign into targets.
  bool releases_role = false;
  // --in-toto: publish the layout, its key and the links with the bundle, the bundle into
  // targets/releases (created on first use with a new key, SIGNY_RELEASES_PASSPHRASE).
  std::optional<InTotoPublish> in_toto;
};
// How the images a bundle names are checked (issue 8 item 3, cnab-spec 101 contentDigest).
struct ImageOptions {
  // verify: resolve each image through this relocation-mapping.json (Porter's format: original
  // image -> relocated reference); sign: write the map of the copies made in the bundle's repository.
  std::optional<std::filesystem::path> relocation_map;
  // Accept images without contentDigest (a warning names each); never rewrites the bundle.
  bool allow_unpinned = false;
};

// A thick bundle is read once: its digests, and the checks verify makes (bundle.json's schema,
// every image in the archive's layout, unsafe entries refused), so nothing verify would refuse is
// signed. images.allow_unpinned accepts images without contentDigest (a warning names each).
Result<SignResult> sign_thick(const Context& ctx, const std::filesystem::path& file, std::string_view ref,
                              const SignOptions& options = {}, const ImageOptions& images = {});

// Key rotation (notary key rotate GUN ROLE [-r]; notary client.go RotateKey): a new key for
// root, targets, snapshot or timestamp, listed in a new root version that the root key signs (for
// root: the old and the new root keys, TUF 5.3.4), the rotated role re-signed with its new key,
// then published. server_managed asks the Notary server to rotate its snapshot or timestamp key
// (POST .../<role>.key). New local keys go to the trust dir (with the GUN); old keys are kept there.
struct RotateOptions {
  bool server_managed = false;
  // Rotate to this PEM private key (notary key rotate --key): imported into the trust dir with the
  // role (and GUN), instead of a new key. Root keys must be encrypted, ECDSA or RSA.
  std::optional<std::filesystem::path> key_file;
};
struct RotateResult {
  std::string gun, role;
  std::string key_id;  // the new key as root lists it (for root: its certificate's key ID)
  std::string stored_key_id;  // the new private key's ID in the trust dir (empty when server-managed)
  bool server_managed = false;
  std::int64_t root_version = 0;
};
Result<RotateResult> rotate_key(const Context& ctx, std::string_view gun, std::string_view role, const RotateOptions& options = {});


// The in-toto targets of a verified bundle as TUF lists them (cnab-spec 301), nothing checked
// beyond TUF yet: api::verify_bundle_intoto (api/intoto_dist.hpp) checks and fetches them.
struct InTotoTargets {
  tuf::Json listed;  // the bundle target's custom["in-toto"], as signed
  // What the top-level targets role itself signs under in-toto-metadata/ and in-toto-pubkeys/
  // (never a delegation's targets).
  std::map<std::string, tuf::FileMeta> from_targets;
  // Every target of the role that signed the bundle (its links must be there).
  std::map<std::string, tuf::FileMeta> from_role;
  std::string bundle_bytes;  // a thin bundle: the verified bundle.json (the artifact in-toto checks)
  tuf::Root root;            // the root.json the refresh verified (root-anchored layouts)
  // TAP 4: the repository whose custom this is (the first that agreed); its file:// storage holds
  // the in-toto files. Empty: ctx.server.
  std::string server;
};

struct VerifyResult {
  std::string gun, target, role;
  crypto::Digests digests;
  bool trusted_on_first_use = false;
  std::vector<std::string> warnings;
  // Every image of the verified bundle.json, digest-pinned: what a runtime must run.
  std::vector<cnab::VerifiedImage> images;
  // Set when the bundle target's custom has "in-toto" (signed with --in-toto).
  std::optional<InTotoTargets> in_toto;
  std::int64_t role_version = 0;  // the version of `role`'s metadata that signed the target
  std::string bundle_json;        // the verified bundle.json bytes (thin: the config blob; thick: from the archive)
  // Expired TUF metadata accepted because ctx.updater.allow_expired (policy level permissive or
  // audit): one line per role, "<role> metadata expired at <time>". Empty otherwise.
  std::vector<std::string> expired;
};
// Refreshes the collection's TUF metadata, finds the target and compares length and every hash of
// the archive, read once: bundle.json is taken from it while it streams through the digests, and
// every image must be in its artifacts/layout with a manifest of the declared digest whose blobs
// all hash correctly.
Result<VerifyResult> verify_thick(const Context& ctx, const std::filesystem::path& file, std::string_view ref,
                                  const ImageOptions& images = {});

// A thin bundle (cnab-spec 200/201): bundle.json is checked against the CNAB schema and must be
// canonical (RFC 8785); each image is resolved in its registry and must match its contentDigest,
// size and mediaType; images outside REF's repository are copied (mounted) into it; the config
// blob, config manifest and index are pushed in cnab-to-oci's layout; only then exactly the given
// bytes are signed as target TAG. If any push fails, nothing is signed.
struct ThinSignResult : SignResult {
  std::string index_digest;       // what REF's tag points to now
  std::string config_media_type;  // the config descriptor's type the registry accepted
  std::vector<cnab::VerifiedImage> images;  // the copies in REF's repository
  std::vector<std::string> warnings;
};
Result<ThinSignResult> sign_thin(const Context& ctx, const std::filesystem::path& bundle_json, std::string_view ref,
                                 const SignOptions& options = {}, const ImageOptions& images = {});

// Refreshes the TUF metadata of REF's collection, pulls the bundle index, config manifest and
// config blob from REF's registry (each hashed against its digest), compares the config blob's raw
// bytes with the trusted target, then checks every image as sign does.
Result<VerifyResult> verify_thin(const Context& ctx, std::string_view ref, const ImageOptions& images = {});

// Container images in Docker Content Trust's form: target = tag, length and hashes of the manifest
// bytes the tag points to (docker/cli trust_push.go).
struct ImageSignResult : SignResult {
  std::string reference;   // repo@sha256:... that was signed
  std::string media_type;  // the manifest's
};
Result<ImageSignResult> sign_image(const Context& ctx, std::string_view ref);
struct ImageVerifyResult : VerifyResult {
  std::string reference;  // repo@sha256:... to run
  std::string media_type;
};
// The trusted target's manifest is fetched by its digest and checked (length, sha256, sha512 when
// signed); the tag must still point to it.
Result<ImageVerifyResult> verify_image(const Context& ctx, std::string_view ref);

// Refreshes the collection and hands every visible target, sorted by name, to `show` (views that
// live only during the call: a large collection is not copied).
Status list_targets(const Context& ctx, std::string_view gun,
                    const std::function<void(const std::vector<tuf::Updater::TargetView>&)>& show);

// Forgets a collection: its cached metadata in the trust dir (keys are kept), and with `remote`
// its metadata on the server (notary delete GUN --remote).
// Holds the collection's lock, as sign does.
Status delete_collection(const Context& ctx, std::string_view gun, bool remote);

// Trust pinning from <trust dir>/config.json (notary's format); none when the file is absent.
Result<tuf::TrustPinning> load_trust_pinning(const std::filesystem::path& trust_dir);

// Notary's default expiries (notary const.go NotaryDefaultExpiries).
inline constexpr auto kRootExpiry = std::chrono::hours(24 * 3650);  // tuf::kDefaultRootExpiry
inline constexpr auto kTargetsExpiry = std::chrono::hours(24 * 1095);
inline constexpr auto kSnapshotExpiry = std::chrono::hours(24 * 1095);
inline constexpr auto kTimestampExpiry = std::chrono::hours(24 * 14);
// How many times sign publishes before giving up when other writers keep publishing first.
inline constexpr int kPublishAttempts = 5;

}  // namespace signy::api
