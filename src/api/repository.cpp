#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <thread>

#include "api/collection.hpp"
#include "api/intoto_publish.hpp"
#include "signy/api/api.hpp"
#include "signy/api/progress.hpp"
#include "signy/cnab/archive.hpp"
#include "signy/cnab/bundle.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/notary/remote.hpp"
#include "signy/oci/reference.hpp"
#include "signy/tuf/editor.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/lock.hpp"
#include "signy/util/log.hpp"

namespace signy::api {
namespace fs = std::filesystem;
namespace {

constexpr const char* kReleasesRole = "targets/releases";  // docker/cli trust.go releasesRole

struct Collection {
  std::string gun;
  std::unique_ptr<notary::Remote> remote;
  fs::path cache_dir;
};

// The collection's verified metadata in the trust dir (the cache, whose root.json is the anchor).
fs::path cache_dir_of(const Context& ctx, std::string_view gun) { return ctx.trust_dir / "tuf" / gun / "metadata"; }

Result<Collection> open_collection(const Context& ctx, std::string_view gun) {
  if (oci::is_bare_registry_host(gun))
    return fail(Errc::usage, "\"" + std::string(gun) + "\" is a registry host, not a collection: a GUN is HOST/REPOSITORY");
  std::string server = ctx.server.empty() ? "file://" + (ctx.trust_dir / "server").string() : ctx.server;
  auto remote = SIGNY_TRY(notary::open_remote(server, std::string(gun), ctx.http, ctx.lock_wait));
  return Collection{std::string(gun), std::move(remote), cache_dir_of(ctx, gun)};
}

tuf::FileMeta meta_of_digests(const crypto::Digests& d) {
  tuf::FileMeta m;
  m.length = static_cast<std::int64_t>(d.length);
  m.hashes.set("sha256", d.sha256);
  m.hashes.set("sha512", d.sha512);
  return m;
}

// A digest pinned in the reference (REF@sha256:HEX, REF@sha512:HEX; issue 7 item 3) must be the
// file's (sign) and the signed target's (verify).
}  // namespace

Status check_pinned_file(const oci::Reference& ref, const crypto::Digests& d, std::string_view file) {
  if (!ref.digest) return {};
  auto alg = ref.digest_algorithm();
  auto got = alg == "sha256" ? hex_encode(d.sha256) : hex_encode(d.sha512);
  if (got != ref.digest_hex())
    return fail(Errc::hash_mismatch, std::string(file) + ": " + std::string(alg) + " " + got + " differs from the " +
                                         std::string(alg) + " pinned in the reference " + std::string(ref.digest_hex()));
  return {};
}

namespace {

Status check_pinned_target(const oci::Reference& ref, const tuf::FileMeta& meta) {
  if (!ref.digest) return {};
  std::string alg(ref.digest_algorithm());
  auto want = meta.hashes.get(alg);
  if (want.empty())
    return fail(Errc::hash_mismatch, "the signed target " + ref.tag + " lists no " + alg + " to compare with the pinned digest");
  if (hex_encode(want) != ref.digest_hex())
    return fail(Errc::hash_mismatch, "the signed target " + ref.tag + " has " + alg + " " + hex_encode(want) + ", not the pinned " +
                                         std::string(ref.digest_hex()));
  return {};
}

// A private key for `role` whose canonical ID is one of the role's key IDs in root.
Result<crypto::PrivateKey> key_for_role(const keystore::KeyStore& ks, const tuf::Root& root, const std::string& role) {
  for (const auto& id : root.roles.at(role).keyids) {
    auto it = root.keys.find(id);
    if (it == root.keys.end()) continue;
    auto canonical = it->second.canonical_key_id();
    if (fs::exists(ks.dir() / "private" / (canonical + ".key"))) return ks.load(canonical);
  }
  return fail(Errc::not_found, "none of the " + role + " keys of this collection is in " + ks.dir().string());
}

Result<std::vector<keystore::KeyInfo>> keys_with_role(const keystore::KeyStore& ks, std::string_view role) {
  auto all = SIGNY_TRY(ks.list());
  std::vector<keystore::KeyInfo> out;
  for (auto& k : all)
    if (k.role == role) out.push_back(std::move(k));
  return out;
}

// Reuses this collection's snapshot or timestamp key (same role and GUN) when the trust dir holds
// exactly one, else creates one: with several (a rotation keeps the old key), the first by key ID
// could be a rotated-out, possibly compromised key.
Result<crypto::PrivateKey> reuse_or_create(keystore::KeyStore& ks, const std::string& role, const std::string& gun) {
  auto candidates = SIGNY_TRY(keys_with_role(ks, role));
  std::erase_if(candidates, [&](const keystore::KeyInfo& k) { return k.gun != gun; });
  if (candidates.size() == 1) {
    log::info("using the existing " + role + " key " + candidates.front().key_id);
    return ks.load(candidates.front().key_id);
  }
  auto key = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
  auto info = SIGNY_TRY(ks.store(key, role, gun));
  log::info("created the " + role + " key " + info.key_id +
            (candidates.empty() ? "" : " (" + std::to_string(candidates.size()) + " " + role + " keys of " + gun +
                                               " exist; none is chosen over the others)"));
  return key;
}

// A key named by --root-key-id / --targets-key: it must be in the store with that role.
Result<crypto::PrivateKey> named_key(const keystore::KeyStore& ks, std::string_view role, const std::string& key_id,
                                     std::string_view option) {
  for (const auto& k : SIGNY_TRY(keys_with_role(ks, role)))
    if (k.key_id == key_id) return ks.load(key_id);
  return fail(Errc::not_found, std::string(option) + ": no " + std::string(role) + " key " + key_id.substr(0, 64) + " in " +
                                   (ks.dir() / "private").string() + " (see signy key list)");
}

// The root key of a new collection, when neither --root-key nor --root-key-id names one: the trust
// dir's only root key, or a new one when it has none. With several, the choice is the user's
// (Notary takes the first it finds, which may be another collection's key).
Result<crypto::PrivateKey> default_root_key(keystore::KeyStore& ks) {
  auto roots = SIGNY_TRY(keys_with_role(ks, "root"));
  if (roots.size() == 1) {
    log::info("using the trust dir's root key " + roots[0].key_id);
    return ks.load(roots[0].key_id);
  }
  if (roots.size() > 1) {
    std::string ids;
    for (const auto& k : roots) ids += (ids.empty() ? "" : ", ") + k.key_id;
    return fail(Errc::usage, "the trust dir holds " + std::to_string(roots.size()) + " root keys (" + ids +
                                 "): choose the new collection's root key with --root-key-id KEYID");
  }
  auto key = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
  auto info = SIGNY_TRY(ks.store(key, "root", ""));
  log::info("created the root key " + info.key_id);
  return key;
}

// A new collection's targets key: the one --targets-key names, else a new key for this GUN
// (notary client initialize creates one per collection).
Result<crypto::PrivateKey> new_targets_key(keystore::KeyStore& ks, const SignOptions& options, const std::string& gun) {
  if (options.targets_key_id) return named_key(ks, "targets", *options.targets_key_id, "--targets-key");
  auto key = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
  auto info = SIGNY_TRY(ks.store(key, "targets", gun));
  log::info("created the targets key " + info.key_id + " for " + gun);
  return key;
}

// notary init --rootkey: the given encrypted PEM key becomes this trust dir's root key.
Result<crypto::PrivateKey> import_root_key(keystore::KeyStore& ks, const fs::path& file) {
  auto pem = keystore::read_key_file(file);
  if (!pem) return tl::unexpected(pem.error().context("--root-key"));
  auto info = ks.import_pem(*pem, std::string("root"), std::nullopt);
  if (!info) return tl::unexpected(info.error().context("--root-key " + file.string()));
  auto key = SIGNY_TRY(ks.load(info->key_id));
  if (key.algorithm() == crypto::KeyAlgorithm::ed25519)
    return fail(Errc::unsupported_key_type, "--root-key: Notary root keys must be ECDSA or RSA (their certificate is X.509)");
  log::info("using the imported root key " + info->key_id);
  return key;
}

// Writers' locks in the trust dir: <dir>/locks/collection-<GUN>.lock per collection and
// <dir>/locks/keys.lock for key creation in private/. GUNs are [A-Za-z0-9._:/-]: "/" becomes "+",
// which no GUN has; a name too long for the file system becomes the GUN's SHA-256.
std::string collection_lock_name(const std::string& gun) {
  std::string name = gun;
  std::replace(name.begin(), name.end(), '/', '+');
  if (name.size() > 200) name = "sha256-" + hex_encode(crypto::sha256(as_bytes(gun)));
  return "collection-" + name + ".lock";
}

// Taken by the writers of a collection. The temporary files killed writers left in its cache and
// in private/ go (each live writer holds its own file's lock, so only orphans are removed).
Result<FileLock> lock_collection(const Context& ctx, const std::string& gun) {
  SIGNY_TRY_VOID(make_private_dirs(ctx.trust_dir / "locks"));
  auto lock = SIGNY_TRY(FileLock::acquire(ctx.trust_dir / "locks" / collection_lock_name(gun), ctx.lock_wait));
  remove_stale_temp_files(cache_dir_of(ctx, gun));
  remove_stale_temp_files(ctx.trust_dir / "private");
  return lock;
}

// Taken where keys may be created (find, else create, must not run twice at once).
Result<FileLock> lock_keys(const Context& ctx) {
  SIGNY_TRY_VOID(make_private_dirs(ctx.trust_dir / "locks"));
  auto lock = SIGNY_TRY(FileLock::acquire(ctx.trust_dir / "locks" / "keys.lock", ctx.lock_wait));
  remove_stale_temp_files(ctx.trust_dir / "private");
  return lock;
}

// The snapshot and timestamp keys of an existing collection that this trust dir holds (a
// client-managed snapshot, or a file repository); a role the server signs may have none here
// (Notary's server-managed keys). `except`: a role being rotated, whose old key is not needed.
struct OnlineKeys {
  std::optional<crypto::PrivateKey> snapshot, timestamp;
};
Result<OnlineKeys> online_keys(const keystore::KeyStore& ks, const tuf::Root& root, const notary::Remote& remote,
                               std::string_view except = {}) {
  OnlineKeys keys;
  for (const char* role : {"snapshot", "timestamp"}) {
    if (role == except) continue;
    auto key = key_for_role(ks, root, role);
    if (!key) {
      if (key.error().code == Errc::not_found && remote.server_signs(role)) continue;
      return tl::unexpected(key.error());
    }
    (std::string_view(role) == "snapshot" ? keys.snapshot : keys.timestamp) = std::move(*key);
  }
  return keys;
}

// An editor over the collection the updater just verified. The targets are moved out of the
// updater, not copied: a collection may list tens of thousands of targets.
Result<tuf::RepositoryEditor> open_editor(tuf::Updater& updater, TimePoint now) {
  const auto& set = updater.trusted();
  auto taken = updater.take_targets();
  if (!taken) return fail(Errc::internal, "no trusted targets after a refresh");
  return tuf::RepositoryEditor::open(set.root().signed_, std::move(taken->signed_),
                                     set.snapshot() ? &set.snapshot()->signed_ : nullptr,
                                     set.timestamp() ? &set.timestamp()->signed_ : nullptr, now);
}

// The first key of delegation `d` (listed in `top`) whose private key the trust dir holds, found
// by key ID (canonical: a delegation made from a certificate lists the certificate's key ID),
// whatever role its file names (notary does the same); none when it holds none.
Result<std::optional<crypto::PrivateKey>> held_delegation_key(const keystore::KeyStore& ks, const tuf::Targets& top,
                                                              const tuf::DelegatedRole& d) {
  for (const auto& id : d.keys.keyids) {
    auto it = top.delegations.keys.find(id);
    if (it == top.delegations.keys.end()) continue;
    auto canonical = it->second.canonical_key_id();
    std::error_code ec;
    if (fs::exists(ks.dir() / "private" / (canonical + ".key"), ec)) {
      log::info("signing into " + d.name + " with its key " + canonical);
      return std::optional<crypto::PrivateKey>(SIGNY_TRY(ks.load(canonical)));
    }
  }
  return std::optional<crypto::PrivateKey>();
}

// Image signing's role (docker/cli trust_push.go GetSignableRoles, for targets/releases): the
// releases delegation's key held in the trust dir, when targets delegates targets/releases with
// paths allowing `tag` (held_delegation_key).
Result<std::optional<crypto::PrivateKey>> releases_key(const keystore::KeyStore& ks, const tuf::TrustedSet& set,
                                                       const std::string& tag) {
  const auto* top = set.targets();
  if (!top) return fail(Errc::internal, "no trusted targets after a refresh");
  const auto* d = tuf::RepositoryEditor::find_delegation(top->signed_, kReleasesRole);
  if (!d) return std::optional<crypto::PrivateKey>();
  if (!tuf::RepositoryEditor::within_paths(*d, tag)) {
    log::info(std::string(kReleasesRole) + " is delegated paths that do not include \"" + tag + "\": signing into targets");
    return std::optional<crypto::PrivateKey>();
  }
  if (auto key = SIGNY_TRY(held_delegation_key(ks, top->signed_, *d))) return key;
  // Docker's clients look the tag up in targets/releases first: a copy there hides this one.
  std::string hidden;
  if (const auto* rel = set.targets(kReleasesRole); rel && rel->signed_.targets.contains(tag))
    hidden = "; " + std::string(kReleasesRole) + " already lists \"" + tag + "\", which docker pulls instead of this signature";
  log::warn("targets delegates " + std::string(kReleasesRole) + " but none of its keys is in " + (ks.dir() / "private").string() +
            ": signing into targets" + hidden);
  return std::optional<crypto::PrivateKey>();
}

// --in-toto: the key of an existing targets/releases delegation, which must be in the trust dir
// (by key ID, as releases_key finds it); none when targets delegates no targets/releases yet.
Result<std::optional<crypto::PrivateKey>> held_releases_key(const keystore::KeyStore& ks, const tuf::TrustedSet& set) {
  const auto* top = set.targets();
  if (!top) return fail(Errc::internal, "no trusted targets after a refresh");
  const auto* d = tuf::RepositoryEditor::find_delegation(top->signed_, kReleasesRole);
  if (!d) return std::optional<crypto::PrivateKey>();
  if (auto key = SIGNY_TRY(held_delegation_key(ks, top->signed_, *d))) return key;
  return fail(Errc::not_found, "targets delegates " + std::string(kReleasesRole) + " but none of its keys is in " +
                                   (ks.dir() / "private").string() + ": --in-toto signs the bundle and its links there");
}

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

namespace {
// One refresh, sign and publish of the collection; sign_thick calls it under the locks.
Result<SignResult> sign_once(const Context& ctx, const oci::Reference& ref, const crypto::Digests& digests,
                             const SignOptions& options, const std::function<Status()>& before_publish,
                             const InTotoSignTargets* in_toto) {
  auto coll = SIGNY_TRY(open_collection(ctx, ref.gun()));
  SignResult result{ref.gun(), ref.tag, digests, 0, false, "targets", {}, {}};
  auto ks = SIGNY_TRY(keystore::KeyStore::open(ctx.trust_dir, *ctx.passphrases));

  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  auto refreshed = updater.refresh();
  log::debug("refreshed " + coll.gun);
  // The keystore gives the keys, the editor edits and signs, the remote publishes.
  std::optional<crypto::PrivateKey> root_key, targets_key, snapshot_key, timestamp_key, releases;
  std::optional<tuf::RepositoryEditor> editor;
  const tuf::Targets* releases_current = nullptr;  // --in-toto: targets/releases as verified, if published
  if (!refreshed && tuf::is_missing(refreshed.error()) && !fs::exists(coll.cache_dir / "root.json")) {
    // First sign of this GUN: create the collection (notary client initialize).
    if (options.root_key_file && options.root_key_id) return fail(Errc::usage, "give --root-key or --root-key-id, not both");
    auto root_key_r = options.root_key_file ? import_root_key(ks, *options.root_key_file)
                      : options.root_key_id ? named_key(ks, "root", *options.root_key_id, "--root-key-id")
                                            : default_root_key(ks);
    if (!root_key_r) return tl::unexpected(root_key_r.error());
    root_key = std::move(*root_key_r);
    targets_key = SIGNY_TRY(new_targets_key(ks, options, coll.gun));
    // Snapshot and timestamp: the server's keys when it signs them (Notary), else local keys.
    tuf::RepositoryEditor::NewKeys keys;
    for (const char* role : {"snapshot", "timestamp"}) {
      auto& key = std::string_view(role) == "snapshot" ? snapshot_key : timestamp_key;
      auto& pub = std::string_view(role) == "snapshot" ? keys.snapshot : keys.timestamp;
      bool keep_local = options.local_snapshot && std::string_view(role) == "snapshot";
      if (coll.remote->server_signs(role) && !keep_local) {
        pub = SIGNY_TRY(coll.remote->server_key(role));
      } else {
        key = SIGNY_TRY(reuse_or_create(ks, role, coll.gun));
        pub = crypto::notary_public_key(*key);
      }
    }
    auto cert = SIGNY_TRY(crypto::make_root_certificate(*root_key, coll.gun, unix_seconds(ctx.now),
                                                        unix_seconds(ctx.now + kRootExpiry)));
    keys.root = crypto::notary_certificate_key(*root_key, cert);
    keys.targets = crypto::notary_public_key(*targets_key);
    editor = tuf::RepositoryEditor::create(keys, ctx.now);
    result.initialized = true;
  } else {
    if (!refreshed) return tl::unexpected(refreshed.error());
    const std::pair<bool, const char*> creation_only[] = {{options.root_key_file.has_value(), "--root-key"},
                                                          {options.root_key_id.has_value(), "--root-key-id"},
                                                          {options.targets_key_id.has_value(), "--targets-key"},
                                                          {options.local_snapshot, "--local-snapshot"}};
    for (auto [given, option] : creation_only)
      if (given) log::warn(std::string(option) + " applies only when a collection is created; " + coll.gun + " exists and keeps its keys");
    const auto& set = updater.trusted();
    const auto& root = set.root().signed_;
    if (options.releases_role && !in_toto) releases = SIGNY_TRY(releases_key(ks, set, ref.tag));
    if (in_toto) releases = SIGNY_TRY(held_releases_key(ks, set));
    if (!releases || in_toto) targets_key = SIGNY_TRY(key_for_role(ks, root, "targets"));
    auto online = SIGNY_TRY(online_keys(ks, root, *coll.remote));
    snapshot_key = std::move(online.snapshot);
    timestamp_key = std::move(online.timestamp);
    // The releases role as the updater verified it (null when never published); the set keeps
    // delegated roles when the editor takes targets.
    const auto* current = set.targets(kReleasesRole);
    editor = SIGNY_TRY(open_editor(updater, ctx.now));
    if (releases) {
      SIGNY_TRY_VOID(editor->set_delegated_target(kReleasesRole, ref.tag, meta_of_digests(result.digests),
                                                  current ? &current->signed_ : nullptr)
                         .map_error([&](Error e) { return e.context(coll.gun); }));
      result.role = kReleasesRole;
    }
    if (in_toto) releases_current = current ? &current->signed_ : nullptr;
  }
  if (in_toto) {
    SIGNY_TRY_VOID(in_toto->check_root(editor->root()));
    if (!releases) {
      // targets/releases does not exist yet: a new key of its own, in the trust dir before the
      // delegation naming it is published (SIGNY_RELEASES_PASSPHRASE; delegation keys have no GUN).
      releases = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
      auto info = SIGNY_TRY(ks.store(*releases, kReleasesRole, ""));
      log::info("created the " + std::string(kReleasesRole) + " key " + info.key_id + " for " + coll.gun);
      // Every name (""): Notary paths are prefixes and tags have no common one. The layout and its
      // keys are therefore taken from targets' own list only at verification, never from here.
      SIGNY_TRY_VOID(editor->add_delegation(kReleasesRole, crypto::notary_public_key(*releases), {""}));
    }
    editor->remove_target(ref.tag);  // the bundle moves to targets/releases (one lookup order for all clients)
    for (const auto& [name, meta] : in_toto->top) editor->set_target(name, meta);
    auto bundle = meta_of_digests(result.digests);
    bundle.custom = in_toto->bundle_custom;
    auto put = [&](const std::string& name, tuf::FileMeta meta) {
      return editor->set_delegated_target(kReleasesRole, name, std::move(meta), releases_current).map_error([&](Error e) {
        return e.context(coll.gun);
      });
    };
    SIGNY_TRY_VOID(put(ref.tag, std::move(bundle)));
    for (const auto& [name, meta] : in_toto->releases) SIGNY_TRY_VOID(put(name, meta));
    result.role = kReleasesRole;
  }
  if (!releases) editor->set_target(ref.tag, meta_of_digests(result.digests));
  if (in_toto) {
    for (const auto& [name, _] : in_toto->top) result.in_toto_targets.push_back(name);
    for (const auto& [name, _] : in_toto->releases) result.in_toto_targets.push_back(name);
    std::sort(result.in_toto_targets.begin(), result.in_toto_targets.end());
  }
  tuf::Signers signers;
  if (root_key && result.initialized) signers.root = {&*root_key};
  if (targets_key) signers.targets = {&*targets_key};
  if (releases) signers.delegations[kReleasesRole] = {&*releases};
  if (snapshot_key) signers.snapshot = {&*snapshot_key};
  if (timestamp_key) signers.timestamp = {&*timestamp_key};
  // Signs, then checks every signature against root's keys and thresholds: nothing is published
  // unless each role verifies as clients will verify it.
  auto out = std::move(*editor).sign(signers);
  editor.reset();
  if (!out) return tl::unexpected(out.error().context(coll.gun));
  result.targets_version = releases ? out->delegated_versions.at(kReleasesRole) : out->targets_version;
  log::debug("signed " + result.role + " version " + std::to_string(result.targets_version));
  const auto& files = out->files;
  // Every key is loaded and every signature made and checked: now what the target names goes out
  // (a thin bundle's tag), then the metadata that signs it.
  if (before_publish) SIGNY_TRY_VOID(before_publish());
  SIGNY_TRY_VOID(coll.remote->publish(files));
  log::debug("published " + coll.gun);
  // What this command signed is trusted as is and goes to the cache (as notary's client does
  // after a publish): the root it created (no trust on first use later), and the targets file,
  // which the next refresh then finds listed in the server's new snapshot and does not download.
  // Snapshot and timestamp come from the server on the next refresh.
  SIGNY_TRY_VOID(make_private_dirs(coll.cache_dir));
  for (const char* role : {"root", "targets", kReleasesRole, "snapshot", "timestamp"})
    if (auto it = files.find(role); it != files.end()) {
      auto path = coll.cache_dir / (std::string(role) + ".json");
      SIGNY_TRY_VOID(make_private_dirs(path.parent_path()));
      SIGNY_TRY_VOID(atomic_write(path, it->second, 0600));
    }
  return result;
}

}  // namespace

// Concurrent writers (docs/architecture.md "Concurrent writers"): signs of one collection take
// turns on its lock in the trust dir; the first sign of a collection here, the one that may create
// keys, also holds the trust dir's key lock; a publish another writer beat (notary-server's
// "VERSION", the file repository's same check) starts again from a fresh refresh, a few times.
Result<SignResult> sign_thick(const Context& ctx, const fs::path& file, std::string_view ref_text, const SignOptions& options,
                              const ImageOptions& images) {
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  SIGNY_TRY_VOID(notary::check_gun(ref.gun()));
  if (images.relocation_map) return fail(Errc::usage, "--relocation-map applies to thin bundles: a thick bundle's images are in its archive");
  // Read once, before the locks are taken (a retry signs the same bytes again): the digests, and
  // the archive checks verify will make, so that nothing is signed that verify would refuse.
  auto reader = SIGNY_TRY(FileReader::open(file));
  crypto::Reader read = [&reader](std::span<std::uint8_t> buf) { return reader.read(buf); };
  auto archive = cnab::read_thick_archive(with_progress(ctx, read, reader.size()));
  if (!archive) return tl::unexpected(archive.error().context(file.string()));
  log::debug("hashed and read " + file.string());
  auto bundle = SIGNY_TRY(cnab::parse_bundle(archive->bundle_json).map_error([&](Error e) { return e.context(file.string() + ": bundle.json"); }));
  SIGNY_TRY_VOID(cnab::check_image_digests(bundle));
  std::vector<std::string> warnings;
  SIGNY_TRY_VOID(cnab::check_thick_images(*archive, cnab::images_of(bundle), images.allow_unpinned, warnings)
                     .map_error([&](Error e) { return e.context(file.string()); }));
  for (const auto& w : warnings) log::warn(w);
  const auto& digests = archive->digests;
  SIGNY_TRY_VOID(check_pinned_file(ref, digests, file.string()));  // before any key is created or anything published
  if (!options.in_toto) return sign_target(ctx, ref, digests, options);
  // --in-toto: everything checked first, then the files stored (content-addressed, harmless
  // unsigned), then one publish signs them with the bundle.
  auto prepared = SIGNY_TRY(prepare_in_toto(*options.in_toto, digests));
  auto storage = SIGNY_TRY(store_in_toto(ctx, ref, prepared, digests));
  auto result = SIGNY_TRY(sign_target(ctx, ref, digests, options, {}, &prepared.targets));
  result.in_toto_storage = storage;
  return result;
}

Result<SignResult> sign_target(const Context& ctx, const oci::Reference& ref, const crypto::Digests& digests,
                               const SignOptions& options, const std::function<Status()>& before_publish,
                               const InTotoSignTargets* in_toto) {
  std::string gun = ref.gun();
  SIGNY_TRY_VOID(notary::check_gun(gun));
  auto lock = SIGNY_TRY(lock_collection(ctx, gun));
  std::optional<FileLock> keys_lock;
  std::error_code ec;
  // --in-toto may create the targets/releases key: the key lock too.
  if (in_toto || !fs::exists(cache_dir_of(ctx, gun) / "root.json", ec)) keys_lock = SIGNY_TRY(lock_keys(ctx));
  std::minstd_rand jitter(std::random_device{}());
  // before_publish runs once, in the first attempt that gets as far (a retry signs the same bytes).
  bool ran = false;
  std::function<Status()> once;
  if (before_publish)
    once = [&]() -> Status {
      if (ran) return {};
      SIGNY_TRY_VOID(before_publish());
      ran = true;
      return {};
    };
  for (int attempt = 1;; ++attempt) {
    auto r = sign_once(ctx, ref, digests, options, once, in_toto);
    if (r || r.error().code != Errc::conflict) return r;
    if (attempt == kPublishAttempts)
      return fail(Errc::conflict, "publishing " + gun + " lost to other writers " + std::to_string(attempt) +
                                      " times; nothing was signed, try again (last: " + r.error().message + ")");
    log::warn(r.error().message + "; signing " + gun + " again from a fresh refresh (attempt " + std::to_string(attempt + 1) +
              " of " + std::to_string(kPublishAttempts) + ")");
    auto pause = std::chrono::milliseconds((50 << attempt) + static_cast<int>(jitter() % 100));
    std::this_thread::sleep_for(pause);
  }
}

Result<RotateResult> rotate_key(const Context& ctx, std::string_view gun_in, std::string_view role_in, const RotateOptions& options) {
  std::string gun(gun_in), role(role_in);
  SIGNY_TRY_VOID(notary::check_gun(gun));
  if (role != "root" && role != "targets" && role != "snapshot" && role != "timestamp")
    return fail(Errc::usage, "cannot rotate the key of role \"" + role.substr(0, 64) + "\": only root, targets, snapshot and timestamp");
  // The collection lock, as sign takes it (a rotation also reads, re-signs and publishes); a lost
  // race is not redone here (the new key would be made again): it fails with Errc::conflict.
  auto lock = SIGNY_TRY(lock_collection(ctx, gun));
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  // notary client.go checkRotationInput: the server may hold snapshot and timestamp keys only,
  // and a Notary server always holds the timestamp key.
  bool notary_server = coll.remote->server_signs("timestamp");
  if (options.server_managed && role != "snapshot" && role != "timestamp")
    return fail(Errc::usage, "only the snapshot and timestamp keys can be server-managed, not " + role);
  if (options.server_managed && !notary_server)
    return fail(Errc::usage, "a file:// repository has no server to hold the " + role + " key: rotate it without --server-managed");
  if (!options.server_managed && role == "timestamp" && notary_server)
    return fail(Errc::usage, "the Notary server holds the timestamp key: rotate it with --server-managed (-r)");
  if (options.server_managed && options.key_file) return fail(Errc::usage, "--key and --server-managed exclude each other");
  auto ks = SIGNY_TRY(keystore::KeyStore::open(ctx.trust_dir, *ctx.passphrases));
  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  if (auto st = updater.refresh(); !st) {
    if (tuf::is_missing(st.error()) && !fs::exists(coll.cache_dir / "root.json"))
      return fail(st.error().code, "no trust collection " + gun + " to rotate a key of (signy sign creates one)");
    return tl::unexpected(st.error().context(gun));
  }
  const auto& set = updater.trusted();
  const auto& root = set.root().signed_;
  // Root is re-signed in every case: its current key signs (and the old one too for root).
  auto root_key = SIGNY_TRY(key_for_role(ks, root, "root"));
  RotateResult result{gun, role, "", "", options.server_managed, 0};
  std::optional<crypto::PrivateKey> new_key;
  crypto::NotaryKey new_pub;
  if (options.server_managed) {
    new_pub = SIGNY_TRY(coll.remote->rotate_server_key(role));
    log::info("the server rotated its " + role + " key to " + new_pub.key_id());
  } else {
    if (options.key_file) {
      auto pem = keystore::read_key_file(*options.key_file);
      if (!pem) return tl::unexpected(pem.error().context("--key"));
      // The key must be this role's, for this collection: given as the import's flags, a role or
      // gun header that says otherwise is refused before anything is stored (security review: a
      // key of another role or GUN used to be stored under it and then refused, or used).
      auto stored_before = SIGNY_TRY(ks.list());
      auto info = ks.import_pem(*pem, role, keystore::role_has_gun(role) ? std::optional<std::string>(gun) : std::nullopt);
      if (!info) return tl::unexpected(info.error().context("--key " + options.key_file->string()));
      // A key this import added and a later check refuses does not stay in the trust dir.
      bool added = std::none_of(stored_before.begin(), stored_before.end(), [&](const auto& k) { return k.key_id == info->key_id; });
      auto refuse = [&](Error e) -> Error {
        std::error_code ignored;
        if (added) fs::remove(info->file, ignored);
        return e;
      };
      auto loaded = ks.load(info->key_id);
      if (!loaded) return tl::unexpected(refuse(loaded.error().context("--key")));
      new_key = std::move(*loaded);
      if (role == "root" && new_key->algorithm() == crypto::KeyAlgorithm::ed25519)
        return tl::unexpected(refuse(Error{Errc::unsupported_key_type, "--key: Notary root keys must be ECDSA or RSA (their certificate is X.509)"}));
      if (!tuf::RepositoryEditor::key_id_in_role(root, role, *new_key).empty())
        return tl::unexpected(refuse(Error{Errc::usage, "--key: key " + info->key_id + " is already the " + role + " key of " + gun}));
      result.stored_key_id = info->key_id;
    } else {
      new_key = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
    }
    if (role == "root") {
      auto cert = SIGNY_TRY(crypto::make_root_certificate(*new_key, gun, unix_seconds(ctx.now), unix_seconds(ctx.now + kRootExpiry)));
      new_pub = crypto::notary_certificate_key(*new_key, cert);
    } else {
      new_pub = crypto::notary_public_key(*new_key);
    }
  }
  result.key_id = new_pub.key_id();
  // The keys of the roles that are re-signed but not rotated: this trust dir's, else the server's.
  auto online = SIGNY_TRY(online_keys(ks, root, *coll.remote, role));
  auto& snapshot_key = online.snapshot;
  auto& timestamp_key = online.timestamp;
  auto editor = SIGNY_TRY(open_editor(updater, ctx.now));
  SIGNY_TRY_VOID(editor.replace_role_keys(role, {new_pub}));
  tuf::Signers signers;
  signers.root = {role == "root" ? &*new_key : &root_key};
  if (role == "root") signers.previous_root = {&root_key};
  if (role == "targets") signers.targets = {&*new_key};
  if (role == "snapshot" && new_key) signers.snapshot = {&*new_key};
  else if (snapshot_key) signers.snapshot = {&*snapshot_key};
  if (role == "timestamp" && new_key) signers.timestamp = {&*new_key};
  else if (timestamp_key) signers.timestamp = {&*timestamp_key};
  auto out = std::move(editor).sign(signers);
  if (!out) return tl::unexpected(out.error().context(gun));
  result.root_version = out->root_version;
  // The new private key is stored before anything is published: a published root must never
  // name a key this trust dir has lost.
  if (new_key && !options.key_file) result.stored_key_id = SIGNY_TRY(ks.store(*new_key, role, gun)).key_id;
  SIGNY_TRY_VOID(coll.remote->publish(out->files));
  log::debug("published the rotation of " + role + " for " + gun);
  SIGNY_TRY_VOID(make_private_dirs(coll.cache_dir));
  for (const char* r : {"root", "targets", "snapshot", "timestamp"}) {
    auto path = coll.cache_dir / (std::string(r) + ".json");
    if (auto it = out->files.find(r); it != out->files.end()) {
      SIGNY_TRY_VOID(atomic_write(path, it->second, 0600));
    } else if ((role == "snapshot" || role == "timestamp") && (std::string_view(r) == "snapshot" || std::string_view(r) == "timestamp")) {
      // TUF 5.3.11: after a snapshot or timestamp key rotation the cached copies signed by the
      // old key are not a rollback reference any longer; the next refresh fetches the server's.
      std::error_code ec;
      fs::remove(path, ec);
    }
  }
  return result;
}

namespace {
// cnab-spec 301 as TUF lists it for a found target (checked by api::verify_bundle_intoto): only the
// top-level targets role's own in-toto-metadata/ and in-toto-pubkeys/ targets, and of the bundle's
// role only the names its custom lists, where that role's delegation paths allow them.
std::optional<InTotoTargets> in_toto_targets_of(const tuf::TrustedSet& set, const tuf::Updater::TargetInfo& target) {
  const auto& custom = target.meta.custom;
  if (!custom || !custom->is_object() || !custom->contains("in-toto")) return std::nullopt;
  InTotoTargets t;
  t.listed = custom->at("in-toto");
  const auto* top = set.targets();
  if (top)
    for (const auto& [name, meta] : top->signed_.targets)
      if (name.starts_with("in-toto-metadata/") || name.starts_with("in-toto-pubkeys/")) t.from_targets.emplace(name, meta);
  const auto* role = set.targets(target.role);
  const tuf::DelegatedRole* delegation = nullptr;
  if (target.role != "targets") {
    delegation = top ? tuf::RepositoryEditor::find_delegation(top->signed_, target.role) : nullptr;
    if (!delegation) role = nullptr;  // a deeper delegation: its links are not used
  }
  if (role && t.listed.is_array())
    for (const auto& item : t.listed) {
      if (!item.is_string()) continue;
      const auto& name = item.get_ref<const std::string&>();
      if (delegation && !tuf::RepositoryEditor::within_paths(*delegation, name)) continue;
      if (auto it = role->signed_.targets.find(name); it != role->signed_.targets.end()) t.from_role.emplace(name, it->second);
    }
  t.root = set.root().signed_;
  return t;
}
}  // namespace

namespace {
// The trust cache as a metadata source (policy maxMetadataAge): every file is the cached one, no
// root rotation is looked for; the Updater verifies them as it verifies downloads. timestamp.json
// must be the one the recorded refresh verified (its sha256): an older set of cached files put
// back beside the record is not used (a rollback).
class CacheSource final : public tuf::MetadataSource {
 public:
  CacheSource(fs::path dir, std::string timestamp_sha256) : dir_(std::move(dir)), timestamp_sha256_(std::move(timestamp_sha256)) {}
  Result<std::string> fetch(std::string_view role, std::size_t max_size) override {
    auto bytes = SIGNY_TRY(read_file_limited(dir_ / (std::string(role) + ".json"), max_size));
    if (role == "timestamp" && hex_encode(crypto::sha256(as_bytes(bytes))) != timestamp_sha256_)
      return fail(Errc::hash_mismatch, "the cached timestamp.json is not the one the last refresh verified");
    return bytes;
  }
  Result<std::string> fetch_by_hash(std::string_view role, std::string_view, std::size_t max_size) override {
    return fetch(role, max_size);  // the Updater checks the length and hashes listed for it
  }
  Result<std::string> fetch_by_version(std::string_view role, std::int64_t, std::size_t) override {
    return fail(Errc::not_found, "no " + std::string(role) + " versions in the trust cache");
  }

 private:
  fs::path dir_;
  std::string timestamp_sha256_;
};

// When a refresh of the collection last succeeded: metadata/.confirmed holds "<Unix seconds of
// that command's ctx.now> <sha256 hex of the timestamp.json it verified>". Inside metadata/ so
// that delete removes it and no GUN's namespace holds it (tuf/<gun>/confirmed would be the GUN
// <gun>/confirmed's); a role name has no '.', so no role file is named so.
fs::path confirmed_file(const fs::path& cache_dir) { return cache_dir / ".confirmed"; }

struct Confirmed {
  std::int64_t at = 0;
  std::string timestamp_sha256;
};

// The record, when it is well formed and at most ctx.max_metadata_age before ctx.now; anything
// else (missing, malformed, out of range, in the future) is not confirmed: refresh.
std::optional<Confirmed> confirmed_within(const Context& ctx, const fs::path& cache_dir) {
  if (ctx.max_metadata_age.count() <= 0) return std::nullopt;
  auto text = read_file_limited(confirmed_file(cache_dir), 128);
  if (!text) return std::nullopt;
  const auto space = text->find(' ');
  if (space == std::string::npos || space == 0) return std::nullopt;
  Confirmed c;
  const char* first = text->data();
  const char* last = text->data() + space;
  auto [end, ec] = std::from_chars(first, last, c.at);
  if (ec != std::errc{} || end != last || *first == '-' || *first == '+') return std::nullopt;
  c.timestamp_sha256 = text->substr(space + 1);
  if (c.timestamp_sha256.size() != 64 || c.timestamp_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    return std::nullopt;
  const auto now = unix_seconds(ctx.now);
  if (c.at > now || now - c.at > ctx.max_metadata_age.count()) return std::nullopt;  // a time in the future is not trusted
  return c;
}
}  // namespace

Result<TrustedTarget> trusted_target(const Context& ctx, const oci::Reference& ref,
                                     const std::function<Status()>& before_refresh, bool releases_first) {
  if (auto map = SIGNY_TRY(repository_map_of(ctx))) return trusted_target_mapped(ctx, *map, ref, before_refresh, releases_first);
  return trusted_target_in_repository(ctx, ref, before_refresh, releases_first);
}

Result<TrustedTarget> trusted_target_in_repository(const Context& ctx, const oci::Reference& ref,
                                                   const std::function<Status()>& before_refresh, bool releases_first) {
  auto coll = SIGNY_TRY(open_collection(ctx, ref.gun()));
  if (before_refresh) SIGNY_TRY_VOID(before_refresh());
  std::optional<tuf::Updater> updater;
  const auto confirmed = confirmed_within(ctx, coll.cache_dir);
  CacheSource cache(coll.cache_dir, confirmed ? confirmed->timestamp_sha256 : std::string());
  std::optional<std::int64_t> confirmed_ago;
  if (confirmed) {
    updater.emplace(coll.gun, coll.cache_dir, cache, ctx.now, ctx.updater);
    if (auto st = updater->refresh(); st) {
      confirmed_ago = unix_seconds(ctx.now) - confirmed->at;
      log::debug("the trust cache of " + coll.gun + " was confirmed " + std::to_string(*confirmed_ago) +
                 " s ago: verified from the cache");
    } else {
      log::info("the trust cache of " + coll.gun + " does not verify alone (" + st.error().message + "): refreshing");
      updater.reset();
    }
  }
  if (!updater) {
    updater.emplace(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
    auto st = updater->refresh();
    if (!st) {
      if (tuf::is_missing(st.error()) && !fs::exists(coll.cache_dir / "root.json"))
        return fail(Errc::not_signed, "no trust data for " + coll.gun + " (" + st.error().message + ")");
      return tl::unexpected(st.error().context(coll.gun));
    }
    // Best effort: without the record the next verification refreshes. The timestamp.json the
    // refresh verified is the cached one now (persisted, or unchanged).
    auto record = [&]() -> Status {
      auto timestamp = SIGNY_TRY(read_file_limited(coll.cache_dir / "timestamp.json", 100u << 20));
      return atomic_write(confirmed_file(coll.cache_dir),
                          std::to_string(unix_seconds(ctx.now)) + " " + hex_encode(crypto::sha256(as_bytes(timestamp))), 0600);
    };
    if (auto stamp = record(); !stamp) log::debug("cannot record the refresh of " + coll.gun + ": " + stamp.error().message);
  }
  auto target = releases_first ? updater->find_target(ref.tag, kReleasesRole) : updater->find_target(ref.tag);
  if (!target) return fail(Errc::not_signed, coll.gun + " has no signed target \"" + ref.tag + "\"");
  SIGNY_TRY_VOID(check_pinned_target(ref, target->meta));
  const auto* role = updater->trusted().targets(target->role);
  TrustedTarget out{coll.gun,
                    ref.tag,
                    target->role,
                    target->meta,
                    updater->used_tofu(),
                    updater->warnings(),
                    in_toto_targets_of(updater->trusted(), *target),
                    role ? role->signed_.version : 0,
                    updater->expired(),
                    {},
                    {},
                    confirmed_ago};
  return out;
}

Result<tuf::Root> trusted_root(const Context& ctx, std::string_view gun) {
  SIGNY_TRY_VOID(notary::check_gun(gun));
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  if (auto st = updater.refresh(); !st) {
    if (tuf::is_missing(st.error()) && !fs::exists(coll.cache_dir / "root.json"))
      return fail(st.error().code, "no trust collection " + coll.gun + " (signy sign creates one)");
    return tl::unexpected(st.error().context(coll.gun));
  }
  return updater.trusted().root().signed_;
}

Status compare_with_target(const TrustedTarget& target, const crypto::Digests& d, std::string_view what) {
  if (static_cast<std::int64_t>(d.length) != target.meta.length)
    return fail(Errc::length_mismatch, std::string(what) + " is " + std::to_string(d.length) + " bytes, the signed target " +
                                           target.target + " is " + std::to_string(target.meta.length));
  int checked = 0;
  for (auto [alg, got] : {std::pair<const char*, tuf::Hashes::View>{"sha256", d.sha256}, {"sha512", d.sha512}}) {
    auto want = target.meta.hashes.get(alg);
    if (want.empty()) continue;  // other algorithms are not checked (signy computes these two)
    ++checked;
    if (!std::equal(got.begin(), got.end(), want.begin(), want.end()))
      return fail(Errc::hash_mismatch, std::string(what) + ": " + alg + " " + hex_encode(got) + " differs from the signed " +
                                           hex_encode(want));
  }
  if (checked == 0) return fail(Errc::hash_mismatch, "the signed target lists no sha256 or sha512 hash");
  return {};
}

Result<VerifyResult> verify_thick(const Context& ctx, const fs::path& file, std::string_view ref_text, const ImageOptions& images) {
  VerifySteps steps;
  return verify_thick_steps(ctx, file, ref_text, images, steps);
}

Result<VerifyResult> verify_thick_steps(const Context& ctx, const fs::path& file, std::string_view ref_text,
                                        const ImageOptions& images, VerifySteps& steps) {
  steps.stage = VerifyStage::request;
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  if (images.relocation_map)
    return fail(Errc::usage, "--relocation-map applies to thin bundles: a thick bundle's images are in its archive");
  std::optional<FileReader> reader;
  // A FIFO or a device is refused before any download.
  steps.stage = VerifyStage::tuf;
  auto target = SIGNY_TRY(trusted_target(ctx, ref, [&]() -> Status {
    steps.stage = VerifyStage::request;
    auto opened = FileReader::open(file);
    if (!opened) return tl::unexpected(opened.error());
    reader.emplace(std::move(*opened));
    steps.stage = VerifyStage::tuf;
    return {};
  }));
  steps.stage = VerifyStage::signing_role;
  if (steps.on_target) SIGNY_TRY_VOID(steps.on_target(target));
  steps.stage = VerifyStage::bundle_digest;
  // Bounded: a file of another size is refused unread, and the pass stops one byte after the
  // signed length should the file grow meanwhile (issue 7 item 4).
  if (static_cast<std::int64_t>(reader->size()) != target.meta.length)
    return fail(Errc::length_mismatch, file.string() + " is " + std::to_string(reader->size()) + " bytes, the signed target " +
                                           ref.tag + " is " + std::to_string(target.meta.length));
  reader->limit(static_cast<std::uint64_t>(target.meta.length));
  // One pass: the outer digests and the archive's entries from the same read (cnab-spec 104).
  crypto::Reader read = [&reader](std::span<std::uint8_t> buf) { return reader->read(buf); };
  auto archive = cnab::read_thick_archive(with_progress(ctx, read, static_cast<std::uint64_t>(target.meta.length)));
  if (!archive) {
    // The archive reader stops at the first bad entry, before the outer digests are complete. A
    // file that is not the signed one is reported as such (a second pass, on this path only);
    // the archive's own error is for a file that is exactly what was signed.
    auto again = FileReader::open(file);
    if (!again) return tl::unexpected(archive.error().context(file.string()));
    again->limit(static_cast<std::uint64_t>(target.meta.length));
    auto digests = crypto::digest_stream([&again](std::span<std::uint8_t> buf) { return again->read(buf); });
    if (!digests) return tl::unexpected(archive.error().context(file.string()));
    SIGNY_TRY_VOID(compare_with_target(target, *digests, file.string()));
    steps.stage = VerifyStage::bundle_schema;  // the signed archive itself is bad
    return tl::unexpected(archive.error().context(file.string() + " (its digests are the signed target's)"));
  }
  SIGNY_TRY_VOID(compare_with_target(target, archive->digests, file.string()));
  VerifyResult result{target.gun, target.target, target.role, archive->digests, target.trusted_on_first_use, target.warnings, {}, target.in_toto,
                      target.role_version, archive->bundle_json, target.expired};
  // bundle.json is trusted from here on: its images must be in the archive's layout.
  steps.stage = VerifyStage::bundle_schema;
  auto bundle = SIGNY_TRY(cnab::parse_bundle(archive->bundle_json).map_error([&](Error e) { return e.context(file.string() + ": bundle.json"); }));
  steps.stage = VerifyStage::images;
  SIGNY_TRY_VOID(cnab::check_image_digests(bundle));
  result.images = SIGNY_TRY(cnab::check_thick_images(*archive, cnab::images_of(bundle), images.allow_unpinned, result.warnings)
                                .map_error([&](Error e) { return e.context(file.string()); }));
  return result;
}

Status list_targets(const Context& ctx, std::string_view gun,
                    const std::function<void(const std::vector<tuf::Updater::TargetView>&)>& show) {
  SIGNY_TRY_VOID(notary::check_gun(gun));
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  auto st = updater.refresh();
  if (!st) return tl::unexpected(st.error().context(coll.gun));
  show(updater.list_targets());
  return {};
}

Status delete_collection(const Context& ctx, std::string_view gun, bool remote) {
  SIGNY_TRY_VOID(notary::check_gun(gun));
  auto lock = SIGNY_TRY(lock_collection(ctx, std::string(gun)));
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  std::error_code ec;
  // Only this collection's own cache, tuf/<gun>/metadata: a GUN may be the parent of others
  // (org/app and org/app/sub), whose cached roots are their trust anchors.
  // Nothing to forget is said, not done quietly (notary delete succeeds): exit 5, not_found.
  if (!remote && !fs::exists(coll.cache_dir, ec))
    return fail(Errc::not_found, "no trust data for " + coll.gun + " in " + ctx.trust_dir.string() + " (nothing deleted)");
  if (remote) SIGNY_TRY_VOID(coll.remote->delete_collection());
  fs::remove_all(coll.cache_dir, ec);
  if (ec) return fail(Errc::io_error, "cannot delete the cached metadata of " + coll.gun + ": " + ec.message());
  // metadata/.confirmed (maxMetadataAge) went with it.
  // Then the directories of the GUN's path that are left empty, up to tuf/ (best effort).
  const auto top = ctx.trust_dir / "tuf";
  for (auto dir = coll.cache_dir.parent_path(); dir != top && dir.has_relative_path(); dir = dir.parent_path())
    if (!fs::remove(dir, ec)) break;  // not empty (another collection below it), or an error
  return {};
}

}  // namespace signy::api
