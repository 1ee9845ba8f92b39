#include "signy/tuf/trusted_set.hpp"

#include <openssl/crypto.h>

#include <future>
#include <thread>

#include "signy/crypto/digest.hpp"

namespace signy::tuf {
namespace {

Status check_rollback(std::string_view role, std::int64_t trusted, std::int64_t incoming) {
  // Notary accepts an equal version (client/tufclient.go tryLoadRemote); TUF 5.4.3, 5.5.5, 5.6.
  if (incoming < trusted)
    return fail(Errc::rollback, std::string(role) + " version " + std::to_string(incoming) +
                                    " is older than the trusted version " + std::to_string(trusted));
  return {};
}

bool same_keys(const Root& a, const Root& b, const char* role) {
  auto ia = a.roles.find(role), ib = b.roles.find(role);
  if (ia == a.roles.end() || ib == b.roles.end()) return false;
  return ia->second.keyids == ib->second.keyids && ia->second.threshold == ib->second.threshold;
}

}  // namespace

Result<TrustedSet> TrustedSet::create(std::string_view root_bytes, TimePoint reference_time) {
  auto root = parse_root(root_bytes);
  if (!root) return tl::unexpected(root.error().context("trusted root"));
  SIGNY_TRY_VOID(verify_threshold("root", root->canonical, root->signatures, root->signed_.keys,
                                  root->signed_.roles.at("root")));
  TrustedSet set(std::move(*root), reference_time);
  set.versions_["root"] = set.root_.signed_.version;
  return set;
}

Status TrustedSet::update_root(std::string_view bytes) {
  auto next = parse_root(bytes);
  if (!next) return tl::unexpected(next.error().context("new root"));
  const auto& cur = root_.signed_;
  // TUF 5.3.4: signed by a threshold of the trusted root's keys.
  auto old_ok = verify_threshold("root (signatures by the previous root's keys)", next->canonical, next->signatures,
                                 cur.keys, cur.roles.at("root"));
  if (!old_ok) return old_ok;
  // TUF 5.3.5: and by a threshold of its own root keys.
  SIGNY_TRY_VOID(verify_threshold("root (signatures by its own keys)", next->canonical, next->signatures,
                                  next->signed_.keys, next->signed_.roles.at("root")));
  // TUF 5.3.6: exactly the next version.
  if (next->signed_.version != cur.version + 1)
    return fail(next->signed_.version <= cur.version ? Errc::rollback : Errc::bad_signature,
                "new root version " + std::to_string(next->signed_.version) + " does not follow trusted version " +
                    std::to_string(cur.version));
  // TUF 5.3.11: forget timestamp and snapshot if their keys changed (fast-forward recovery).
  bool ts_rotated = !same_keys(cur, next->signed_, "timestamp");
  bool sn_rotated = !same_keys(cur, next->signed_, "snapshot");
  root_ = std::move(*next);
  versions_["root"] = root_.signed_.version;
  if (ts_rotated) {
    timestamp_.reset();
    versions_.erase("timestamp");
  }
  if (sn_rotated) {
    snapshot_.reset();
    versions_.erase("snapshot");
  }
  return {};
}

Status TrustedSet::check_expiry(std::string_view role, const Common& c) const {
  if (c.expires <= now_)
    return fail(Errc::expired, std::string(role) + " metadata expired at " + format_rfc3339nano(c.expires));
  return {};
}

Status TrustedSet::check_final_root() const { return check_expiry("root", root_.signed_); }

Status TrustedSet::check_file_meta(std::string_view role, const FileMeta& expected, std::string_view bytes) const {
  if (static_cast<std::int64_t>(bytes.size()) != expected.length)
    return fail(Errc::length_mismatch, std::string(role) + " is " + std::to_string(bytes.size()) +
                                           " bytes, the trusted metadata lists " + std::to_string(expected.length));
  // Unknown algorithms are skipped, as Notary does; the parsers require a sha256. For a large
  // file the two digests are computed on two threads.
  auto want256 = expected.hashes.get("sha256"), want512 = expected.hashes.get("sha512");
  if (want256.empty() && want512.empty()) return fail(Errc::hash_mismatch, std::string(role) + ": no known hash to check");
  crypto::Sha512 got512{};
  std::thread t512;
  if (!want512.empty()) {
    if (bytes.size() >= (256u << 10)) t512 = std::thread([&] { got512 = crypto::sha512(as_bytes(bytes)); });
    else got512 = crypto::sha512(as_bytes(bytes));
  }
  crypto::Sha256 got256{};
  if (!want256.empty()) got256 = crypto::sha256(as_bytes(bytes));
  if (t512.joinable()) t512.join();
  auto same = [](auto got, Hashes::View want) {
    return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), got.size()) == 0;
  };
  if (!want256.empty() && !same(got256, want256))
    return fail(Errc::hash_mismatch, std::string(role) + " sha256 does not match the trusted metadata");
  if (!want512.empty() && !same(got512, want512))
    return fail(Errc::hash_mismatch, std::string(role) + " sha512 does not match the trusted metadata");
  return {};
}

Status TrustedSet::update_timestamp(std::string_view bytes, bool allow_expired) {
  auto ts = parse_timestamp(bytes);
  if (!ts) return tl::unexpected(ts.error());
  SIGNY_TRY_VOID(verify_threshold("timestamp", ts->canonical, ts->signatures, root_.signed_.keys,
                                  root_.signed_.roles.at("timestamp")));
  if (auto it = versions_.find("timestamp"); it != versions_.end())
    SIGNY_TRY_VOID(check_rollback("timestamp", it->second, ts->signed_.version));
  if (!allow_expired) SIGNY_TRY_VOID(check_expiry("timestamp", ts->signed_));
  versions_["timestamp"] = ts->signed_.version;
  timestamp_ = std::move(*ts);
  return {};
}

Status TrustedSet::update_snapshot(std::string_view bytes, bool allow_expired) {
  if (!timestamp_) return fail(Errc::internal, "snapshot loaded before a trusted timestamp");
  SIGNY_TRY_VOID(check_file_meta("snapshot", timestamp_->signed_.snapshot, bytes));
  auto sn = parse_snapshot(bytes);
  if (!sn) return tl::unexpected(sn.error());
  SIGNY_TRY_VOID(verify_threshold("snapshot", sn->canonical, sn->signatures, root_.signed_.keys,
                                  root_.signed_.roles.at("snapshot")));
  if (auto it = versions_.find("snapshot"); it != versions_.end())
    SIGNY_TRY_VOID(check_rollback("snapshot", it->second, sn->signed_.version));
  if (!allow_expired) SIGNY_TRY_VOID(check_expiry("snapshot", sn->signed_));
  versions_["snapshot"] = sn->signed_.version;
  snapshot_ = std::move(*sn);
  return {};
}

Status TrustedSet::update_targets(std::string_view bytes, bool allow_expired) {
  return update_delegated_targets("targets", "root", bytes, allow_expired);
}

Status TrustedSet::update_delegated_targets(std::string_view role, std::string_view parent, std::string_view bytes,
                                            bool allow_expired) {
  if (!snapshot_) return fail(Errc::internal, std::string(role) + " loaded before a trusted snapshot");
  auto meta = snapshot_->signed_.meta.find(std::string(role));
  // TUF 5.6.1 (mix-and-match): only roles the trusted snapshot lists, with its hashes and length.
  if (meta == snapshot_->signed_.meta.end())
    return fail(Errc::hash_mismatch, std::string(role) + " is not listed in the trusted snapshot");
  // The listed length first; the hashes of a large file are computed on another thread while it
  // is parsed, and checked before anything else about it is reported or kept.
  std::future<Status> hashed;
  if (static_cast<std::int64_t>(bytes.size()) != meta->second.length || bytes.size() < (256u << 10))
    SIGNY_TRY_VOID(check_file_meta(role, meta->second, bytes));
  else
    hashed = std::async(std::launch::async, [&] { return check_file_meta(role, meta->second, bytes); });
  auto hashes_ok = [&]() -> Status { return hashed.valid() ? hashed.get() : Status{}; };
  // The keys that may sign this role: the root's targets role, or the parent's delegation.
  const std::map<std::string, crypto::NotaryKey>* keys = &root_.signed_.keys;
  const RoleKeys* role_keys = &root_.signed_.roles.at("targets");
  if (role != "targets") {
    const Signed<Targets>* p = targets(parent);
    if (!p) {
      SIGNY_TRY_VOID(hashes_ok());
      return fail(Errc::internal, std::string(role) + ": parent " + std::string(parent) + " is not trusted");
    }
    const DelegatedRole* d = nullptr;
    for (const auto& r : p->signed_.delegations.roles)
      if (r.name == role) d = &r;
    if (!d) {
      SIGNY_TRY_VOID(hashes_ok());
      return fail(Errc::untrusted_key, std::string(role) + " is not delegated by " + std::string(parent));
    }
    keys = &p->signed_.delegations.keys;
    role_keys = &d->keys;
  }
  // ECDSA and RSA keys sign the SHA-256 of the canonical bytes: then only that digest is kept
  // while parsing, not a second copy of a large role. An Ed25519 key needs the bytes.
  bool need_bytes = false;
  for (const auto& id : role_keys->keyids)
    if (auto k = keys->find(id); k != keys->end() && k->second.keytype == "ed25519") need_bytes = true;
  auto t = parse_targets(bytes, need_bytes);
  SIGNY_TRY_VOID(hashes_ok());
  if (!t) return tl::unexpected(t.error().context(std::string(role)));
  SIGNY_TRY_VOID(verify_threshold(role, t->canonical, t->signatures, *keys, *role_keys,
                                  t->canonical_sha256 ? &*t->canonical_sha256 : nullptr));
  if (auto it = versions_.find(role); it != versions_.end()) SIGNY_TRY_VOID(check_rollback(role, it->second, t->signed_.version));
  if (!allow_expired) SIGNY_TRY_VOID(check_expiry(role, t->signed_));
  versions_[std::string(role)] = t->signed_.version;
  t->canonical = std::string();  // verified: a large role's bytes are not kept twice
  targets_.insert_or_assign(std::string(role), std::move(*t));
  return {};
}

void TrustedSet::note_trusted_version(std::string_view role, std::int64_t version) {
  auto [it, inserted] = versions_.try_emplace(std::string(role), version);
  if (!inserted) it->second = std::max(it->second, version);
}

std::string_view TrustedSet::targets_role_name(std::string_view role) const {
  auto it = targets_.find(role);
  return it == targets_.end() ? std::string_view() : std::string_view(it->first);
}

std::optional<Signed<Targets>> TrustedSet::take_targets() {
  auto it = targets_.find("targets");
  if (it == targets_.end()) return std::nullopt;
  std::optional<Signed<Targets>> out(std::move(it->second));
  targets_.erase(it);
  return out;
}

const Signed<Targets>* TrustedSet::targets(std::string_view role) const {
  auto it = targets_.find(role);
  return it == targets_.end() ? nullptr : &it->second;
}

}  // namespace signy::tuf
