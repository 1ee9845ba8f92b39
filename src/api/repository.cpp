#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "signy/api/api.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/notary/remote.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/lock.hpp"
#include "signy/util/log.hpp"

namespace signy::api {
namespace fs = std::filesystem;
namespace {

struct Collection {
  std::string gun;
  std::unique_ptr<notary::Remote> remote;
  fs::path cache_dir;
};

Result<Collection> open_collection(const Context& ctx, std::string_view gun) {
  std::string server = ctx.server.empty() ? "file://" + (ctx.trust_dir / "server").string() : ctx.server;
  auto remote = SIGNY_TRY(notary::open_remote(server, std::string(gun), ctx.http, ctx.lock_wait));
  return Collection{std::string(gun), std::move(remote), ctx.trust_dir / "tuf" / gun / "metadata"};
}

tuf::FileMeta meta_of_digests(const crypto::Digests& d) {
  tuf::FileMeta m;
  m.length = static_cast<std::int64_t>(d.length);
  m.hashes.set("sha256", d.sha256);
  m.hashes.set("sha512", d.sha512);
  return m;
}

Result<crypto::Digests> digest_file(const fs::path& file) {
  auto reader = SIGNY_TRY(FileReader::open(file));
  return crypto::digest_stream([&reader](std::span<std::uint8_t> buf) { return reader.read(buf); });
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

// Reuses a key of this role (and GUN for snapshot/timestamp), else creates one.
Result<crypto::PrivateKey> reuse_or_create(keystore::KeyStore& ks, const std::string& role, const std::string& gun) {
  auto found = SIGNY_TRY(ks.find(role, role == "targets" || role == "root" ? std::string_view() : std::string_view(gun)));
  if (found) {
    log::info("using the existing " + role + " key " + found->key_id);
    return ks.load(found->key_id);
  }
  auto key = SIGNY_TRY(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256));
  auto info = SIGNY_TRY(ks.store(key, role, gun));
  log::info("created the " + role + " key " + info.key_id);
  return key;
}

// notary init --rootkey: the given encrypted PEM key becomes this trust dir's root key.
Result<crypto::PrivateKey> import_root_key(keystore::KeyStore& ks, const fs::path& file) {
  auto pem = read_file_limited(file, 64u << 10);
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
  remove_stale_temp_files(ctx.trust_dir / "tuf" / gun / "metadata");
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

std::int64_t unix_seconds(tuf::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

namespace {
// One refresh, sign and publish of the collection; sign_thick calls it under the locks.
Result<SignResult> sign_once(const Context& ctx, const fs::path& file, std::string_view ref_text, const SignOptions& options) {
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  auto coll = SIGNY_TRY(open_collection(ctx, ref.gun()));
  auto digests = SIGNY_TRY(digest_file(file));
  log::debug("hashed " + file.string());
  SignResult result{ref.gun(), ref.tag, digests, 0, false};
  auto ks = SIGNY_TRY(keystore::KeyStore::open(ctx.trust_dir, *ctx.passphrases));

  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  auto refreshed = updater.refresh();
  log::debug("refreshed " + coll.gun);
  std::map<std::string, std::string> files;
  if (!refreshed && refreshed.error().code == Errc::not_found && !fs::exists(coll.cache_dir / "root.json")) {
    // First sign of this GUN: create the collection (notary client initialize).
    auto root_key_r = options.root_key_file ? import_root_key(ks, *options.root_key_file) : reuse_or_create(ks, "root", coll.gun);
    if (!root_key_r) return tl::unexpected(root_key_r.error());
    auto root_key = std::move(*root_key_r);
    auto targets_key = SIGNY_TRY(reuse_or_create(ks, "targets", coll.gun));
    // Snapshot and timestamp: the server's keys when it signs them (Notary), else local keys.
    std::optional<crypto::PrivateKey> snapshot_key, timestamp_key;
    std::optional<crypto::NotaryKey> snapshot_pub, timestamp_pub;
    for (const char* role : {"snapshot", "timestamp"}) {
      auto& key = std::string_view(role) == "snapshot" ? snapshot_key : timestamp_key;
      auto& pub = std::string_view(role) == "snapshot" ? snapshot_pub : timestamp_pub;
      bool keep_local = options.local_snapshot && std::string_view(role) == "snapshot";
      if (coll.remote->server_signs(role) && !keep_local) {
        pub = SIGNY_TRY(coll.remote->server_key(role));
      } else {
        key = SIGNY_TRY(reuse_or_create(ks, role, coll.gun));
        pub = crypto::notary_public_key(*key);
      }
    }
    auto cert = SIGNY_TRY(crypto::make_root_certificate(root_key, coll.gun, unix_seconds(ctx.now),
                                                        unix_seconds(ctx.now + kRootExpiry)));
    auto root_pub = crypto::notary_certificate_key(root_key, cert);
    tuf::Root root;
    root.expires = ctx.now + kRootExpiry;
    std::map<std::string, std::string> ids;
    auto add = [&](const std::string& role, const crypto::NotaryKey& k) {
      auto id = k.key_id();
      root.keys.emplace(id, k);
      root.roles[role] = tuf::RoleKeys{{id}, 1};
      ids[role] = id;
    };
    add("root", root_pub);
    add("targets", crypto::notary_public_key(targets_key));
    add("snapshot", *snapshot_pub);
    add("timestamp", *timestamp_pub);
    tuf::Targets targets;
    targets.expires = ctx.now + kTargetsExpiry;
    targets.targets[ref.tag] = meta_of_digests(result.digests);
    auto root_bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(root), {{ids["root"], &root_key}}));
    auto targets_bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(targets), {{ids["targets"], &targets_key}}));
    files["root"] = std::move(root_bytes);
    files["targets"] = std::move(targets_bytes);
    if (snapshot_key) {
      tuf::Snapshot snapshot;
      snapshot.expires = ctx.now + kSnapshotExpiry;
      snapshot.meta["root"] = tuf::make_file_meta(files["root"]);
      snapshot.meta["targets"] = tuf::make_file_meta(files["targets"]);
      auto bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(snapshot), {{ids["snapshot"], &*snapshot_key}}));
      files["snapshot"] = std::move(bytes);
    }
    if (timestamp_key) {
      tuf::Timestamp ts;
      ts.expires = ctx.now + kTimestampExpiry;
      ts.snapshot = tuf::make_file_meta(files["snapshot"]);
      auto bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(ts), {{ids["timestamp"], &*timestamp_key}}));
      files["timestamp"] = std::move(bytes);
    }
    result.initialized = true;
    result.targets_version = 1;
  } else {
    if (!refreshed) return tl::unexpected(refreshed.error());
    if (options.root_key_file || options.local_snapshot)
      log::warn(std::string(options.root_key_file ? "--root-key" : "--local-snapshot") + " applies only when a collection is created; " +
                coll.gun + " exists and keeps its keys");
    // Add the target to the trusted targets and re-sign targets, snapshot and timestamp.
    const auto& set = updater.trusted();
    const auto& root = set.root().signed_;
    auto targets_key = SIGNY_TRY(key_for_role(ks, root, "targets"));
    auto keyid_of = [&](const crypto::PrivateKey& k, const std::string& role) {
      auto canonical = crypto::notary_public_key(k).key_id();
      for (const auto& id : root.roles.at(role).keyids)
        if (root.keys.at(id).canonical_key_id() == canonical) return id;
      return canonical;
    };
    // Moved out of the updater, not copied: a collection may list tens of thousands of targets.
    auto taken = updater.take_targets();
    if (!taken) return fail(Errc::internal, "no trusted targets after a refresh");
    tuf::Targets targets = std::move(taken->signed_);
    targets.version += 1;
    targets.expires = ctx.now + kTargetsExpiry;
    targets.targets[ref.tag] = meta_of_digests(result.digests);
    auto targets_canonical = SIGNY_TRY(tuf::canonical_bytes(targets));
    result.targets_version = targets.version;
    targets = tuf::Targets();  // written: the model is not needed any longer
    taken.reset();
    auto targets_bytes = SIGNY_TRY(tuf::sign_canonical(targets_canonical, {{keyid_of(targets_key, "targets"), &targets_key}}));
    targets_canonical = std::string();
    files["targets"] = std::move(targets_bytes);
    log::debug("signed targets version " + std::to_string(result.targets_version));
    // Snapshot and timestamp are re-signed here when this trust dir holds their keys (a
    // client-managed snapshot, or a file repository); otherwise the server signs them.
    for (const char* role : {"snapshot", "timestamp"}) {
      auto key = key_for_role(ks, root, role);
      if (!key) {
        if (key.error().code == Errc::not_found && coll.remote->server_signs(role)) continue;
        return tl::unexpected(key.error());
      }
      std::string bytes;
      if (std::string_view(role) == "snapshot") {
        tuf::Snapshot snapshot = set.snapshot()->signed_;
        snapshot.version += 1;
        snapshot.expires = ctx.now + kSnapshotExpiry;
        snapshot.meta["targets"] = tuf::make_file_meta(files["targets"]);
        bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(snapshot), {{keyid_of(*key, role), &*key}}));
      } else {
        if (!files.contains("snapshot")) continue;  // nothing new to time-stamp locally
        tuf::Timestamp ts = set.timestamp()->signed_;
        ts.version += 1;
        ts.expires = ctx.now + kTimestampExpiry;
        ts.snapshot = tuf::make_file_meta(files["snapshot"]);
        bytes = SIGNY_TRY(tuf::sign_metadata(tuf::to_json(ts), {{keyid_of(*key, role), &*key}}));
      }
      files[role] = std::move(bytes);
    }
  }
  SIGNY_TRY_VOID(coll.remote->publish(files));
  log::debug("published " + coll.gun);
  // What this command signed is trusted as is and goes to the cache (as notary's client does
  // after a publish): the root it created (no trust on first use later), and the targets file,
  // which the next refresh then finds listed in the server's new snapshot and does not download.
  // Snapshot and timestamp come from the server on the next refresh.
  SIGNY_TRY_VOID(make_private_dirs(coll.cache_dir));
  for (const char* role : {"root", "targets", "snapshot", "timestamp"})
    if (auto it = files.find(role); it != files.end())
      SIGNY_TRY_VOID(atomic_write(coll.cache_dir / (std::string(role) + ".json"), it->second, 0600));
  return result;
}

}  // namespace

// Concurrent writers (docs/architecture.md "Concurrent writers"): signs of one collection take
// turns on its lock in the trust dir; the first sign of a collection here, the one that may create
// keys, also holds the trust dir's key lock; a publish another writer beat (notary-server's
// "VERSION", the file repository's same check) starts again from a fresh refresh, a few times.
Result<SignResult> sign_thick(const Context& ctx, const fs::path& file, std::string_view ref_text, const SignOptions& options) {
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  std::string gun = ref.gun();
  if (!notary::valid_gun(gun)) return fail(Errc::usage, "invalid GUN \"" + gun.substr(0, 100) + "\"");
  auto lock = SIGNY_TRY(lock_collection(ctx, gun));
  std::optional<FileLock> keys_lock;
  std::error_code ec;
  if (!fs::exists(ctx.trust_dir / "tuf" / gun / "metadata" / "root.json", ec)) keys_lock = SIGNY_TRY(lock_keys(ctx));
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    auto r = sign_once(ctx, file, ref_text, options);
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

Result<VerifyResult> verify_thick(const Context& ctx, const fs::path& file, std::string_view ref_text) {
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  auto coll = SIGNY_TRY(open_collection(ctx, ref.gun()));
  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  auto st = updater.refresh();
  if (!st) return tl::unexpected(st.error().context(coll.gun));
  auto target = updater.find_target(ref.tag);
  if (!target) return fail(Errc::untrusted_key, coll.gun + " has no signed target \"" + ref.tag + "\"");
  auto digests = SIGNY_TRY(digest_file(file));
  VerifyResult result{coll.gun, ref.tag, target->role, digests, updater.used_tofu(), updater.warnings()};
  const auto& d = result.digests;
  if (static_cast<std::int64_t>(d.length) != target->meta.length)
    return fail(Errc::length_mismatch, file.string() + " is " + std::to_string(d.length) + " bytes, the signed target " + ref.tag +
                                           " is " + std::to_string(target->meta.length));
  int checked = 0;
  for (auto [alg, got] : {std::pair<const char*, tuf::Hashes::View>{"sha256", d.sha256}, {"sha512", d.sha512}}) {
    auto want = target->meta.hashes.get(alg);
    if (want.empty()) continue;  // other algorithms are not checked (signy computes these two)
    ++checked;
    if (!std::equal(got.begin(), got.end(), want.begin(), want.end()))
      return fail(Errc::hash_mismatch, file.string() + ": " + alg + " " + hex_encode(got) + " differs from the signed " +
                                           hex_encode(want));
  }
  if (checked == 0) return fail(Errc::hash_mismatch, "the signed target lists no sha256 or sha512 hash");
  return result;
}

Status list_targets(const Context& ctx, std::string_view gun,
                    const std::function<void(const std::vector<tuf::Updater::TargetView>&)>& show) {
  if (!notary::valid_gun(gun)) return fail(Errc::usage, "invalid GUN \"" + std::string(gun.substr(0, 100)) + "\"");
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  tuf::Updater updater(coll.gun, coll.cache_dir, *coll.remote, ctx.now, ctx.updater);
  auto st = updater.refresh();
  if (!st) return tl::unexpected(st.error().context(coll.gun));
  show(updater.list_targets());
  return {};
}

Status delete_collection(const Context& ctx, std::string_view gun, bool remote) {
  if (!notary::valid_gun(gun)) return fail(Errc::usage, "invalid GUN \"" + std::string(gun.substr(0, 100)) + "\"");
  auto lock = SIGNY_TRY(lock_collection(ctx, std::string(gun)));
  auto coll = SIGNY_TRY(open_collection(ctx, gun));
  if (remote) SIGNY_TRY_VOID(coll.remote->delete_collection());
  std::error_code ec;
  fs::remove_all(ctx.trust_dir / "tuf" / coll.gun, ec);
  if (ec) return fail(Errc::io_error, "cannot delete the cached metadata of " + coll.gun + ": " + ec.message());
  return {};
}

}  // namespace signy::api
