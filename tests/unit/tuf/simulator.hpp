// A Notary-style repository that signs on demand, for driving the TUF rules with bytes.
// Keys are Ed25519 (fast); the root key is a plain key here (certificate rules are Notary
// trust-pinning concerns tested separately).
#pragma once
#include <map>
#include <string>

#include "signy/crypto/digest.hpp"
#include "signy/crypto/keys.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/tuf/metadata.hpp"

namespace signy::testsim {

using namespace std::chrono_literals;

struct SimKey {
  crypto::PrivateKey key;
  crypto::NotaryKey pub;
  std::string id;
};

inline SimKey make_key() {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  auto pub = crypto::notary_public_key(k);
  auto id = pub.key_id();
  return SimKey{std::move(k), std::move(pub), std::move(id)};
}

// A root key as Notary makes them: ECDSA with a self-signed certificate whose CN is the GUN.
inline SimKey make_root_key(const std::string& gun, std::int64_t now_unix = 1795000000) {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pem = crypto::make_root_certificate(k, gun, now_unix - 3600, now_unix + 10LL * 365 * 86400).value();
  auto pub = crypto::notary_certificate_key(k, pem);
  auto id = pub.key_id();
  return SimKey{std::move(k), std::move(pub), std::move(id)};
}

inline tuf::FileMeta meta_of(const std::string& bytes) { return tuf::make_file_meta(bytes); }

class Simulator {
 public:
  TimePoint now = TimePoint{} + std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}.time_since_epoch();
  std::map<std::string, std::vector<SimKey>> keys;  // role -> signing keys
  tuf::Root root;
  tuf::Targets targets;
  std::map<std::string, tuf::Targets> delegated;
  tuf::Snapshot snapshot;
  tuf::Timestamp timestamp;
  // Serialized files, refreshed by publish().
  std::string root_bytes, targets_bytes, snapshot_bytes, timestamp_bytes;
  std::map<std::string, std::string> delegated_bytes;
  std::vector<std::string> root_history;  // root_history[v-1] = bytes of version v

  explicit Simulator(const std::string& gun = "g") {
    keys["root"].push_back(make_root_key(gun));
    for (const char* role : {"targets", "snapshot", "timestamp"}) keys[role].push_back(make_key());
    root.expires = now + 24h * 3650;
    for (auto& [role, ks] : keys) {
      tuf::RoleKeys rk;
      for (auto& k : ks) {
        root.keys.emplace(k.id, k.pub);
        rk.keyids.push_back(k.id);
      }
      root.roles[role] = rk;
    }
    targets.expires = snapshot.expires = now + 24h * 1095;
    timestamp.expires = now + 24h * 14;
    sign_root();
    publish();
  }

  std::string sign(const cjson::Json& j, const std::vector<const SimKey*>& by) {
    std::vector<tuf::SigningKey> sks;
    for (auto* k : by) sks.push_back({k->id, &k->key});
    return tuf::sign_metadata(j, sks).value();
  }
  std::vector<const SimKey*> role_keys(const std::string& role) {
    std::vector<const SimKey*> out;
    for (auto& k : keys[role]) out.push_back(&k);
    return out;
  }

  // Signs the current root (with the root keys, and `extra` signers, e.g. the previous root's).
  void sign_root(std::vector<const SimKey*> extra = {}) {
    auto by = role_keys("root");
    by.insert(by.end(), extra.begin(), extra.end());
    root_bytes = sign(tuf::to_json(root), by);
    root_history.resize(static_cast<std::size_t>(root.version));
    root_history[static_cast<std::size_t>(root.version - 1)] = root_bytes;
  }

  // Re-signs targets, delegations, snapshot and timestamp (each version bumped by the caller).
  void publish() {
    targets_bytes = sign(tuf::to_json(targets), role_keys("targets"));
    snapshot.meta.clear();
    snapshot.meta["root"] = meta_of(root_bytes);
    snapshot.meta["targets"] = meta_of(targets_bytes);
    for (auto& [role, t] : delegated) {
      delegated_bytes[role] = sign(tuf::to_json(t), role_keys(role));
      snapshot.meta[role] = meta_of(delegated_bytes[role]);
    }
    snapshot_bytes = sign(tuf::to_json(snapshot), role_keys("snapshot"));
    timestamp.snapshot = meta_of(snapshot_bytes);
    timestamp_bytes = sign(tuf::to_json(timestamp), role_keys("timestamp"));
  }

  void add_target(const std::string& name, const std::string& content) { targets.targets[name] = meta_of(content); }

  void add_delegation(const std::string& role) {
    keys[role].push_back(make_key());
    auto& k = keys[role].back();
    targets.delegations.keys.emplace(k.id, k.pub);
    tuf::DelegatedRole d;
    d.name = role;
    d.keys.keyids = {k.id};
    d.paths = {""};
    targets.delegations.roles.push_back(d);
    tuf::Targets t;
    t.expires = now + 24h * 1095;
    delegated[role] = t;
  }
};

}  // namespace signy::testsim
