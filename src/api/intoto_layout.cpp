// in-toto layouts anchored in the TUF root (issue 9 item 5): signing a layout with the
// collection's root keys (or a dedicated layout key), and the root keys of a trusted root.json as
// the layout keys a root-signed layout is verified with.
#include <algorithm>
#include <set>

#include "api/collection.hpp"
#include "signy/api/intoto.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/util/log.hpp"

namespace signy::api {
namespace {

struct LayoutSigner {
  crypto::PrivateKey key;
  crypto::SslibKey pub;
  std::string trust_dir_id;  // the key's ID in the trust dir (Notary's canonical key ID)
};

// The layout given to sign: a whole metablock (its signatures dropped) or a `signed` object.
// Unknown members are refused (intoto::ParseOptions default): they would not be signed.
Result<intoto::LayoutMetablock> read_layout(std::string_view bytes, LayoutSignResult& result) {
  intoto::ParseOptions opts;
  auto doc = cjson::parse_strict(bytes, opts.limits);
  if (!doc) return tl::unexpected(doc.error().context("layout"));
  if (!doc->is_object()) return fail(Errc::malformed_json, "layout: not a JSON object");
  if (doc->contains("signed") || doc->contains("signatures")) {
    auto mb = intoto::parse_layout(bytes, opts);
    if (!mb) return tl::unexpected(mb.error().context("layout metablock"));
    result.was_metablock = true;
    result.replaced_signatures = mb->signatures.size();
    mb->signatures.clear();
    return std::move(*mb);
  }
  auto layout = intoto::layout_from_json(*doc, opts);
  if (!layout) return tl::unexpected(layout.error().context("layout"));
  return intoto::LayoutMetablock{std::move(*layout), {}};
}

// Every root key of the trusted root that the trust dir holds, checked against the root's key
// (the private key's public half must be the certificate's key) and against root_layout_trust
// (the key ID a verifier will look the signature up by).
Result<std::vector<LayoutSigner>> held_root_keys(const keystore::KeyStore& ks, const tuf::Root& root,
                                                 const LayoutTrust& trust, std::string_view gun) {
  auto stored = SIGNY_TRY(ks.list());
  std::set<std::string> held;
  for (const auto& k : stored) held.insert(k.key_id);
  std::vector<LayoutSigner> out;
  std::set<std::string> used;  // two root entries for one key sign once
  for (const auto& id : root.roles.at("root").keyids) {
    auto it = root.keys.find(id);
    if (it == root.keys.end()) continue;
    auto canonical = it->second.canonical_key_id();
    if (canonical.empty() || !held.contains(canonical) || used.contains(canonical)) continue;
    auto key = SIGNY_TRY(ks.load(canonical));
    auto root_pub = SIGNY_TRY(it->second.public_key());
    if (key.public_key().spki_der() != root_pub.spki_der())
      return fail(Errc::untrusted_key, "the trust dir's key " + canonical + " is not the root key " + id + " of " +
                                           std::string(gun) + " (its public half differs)");
    auto pub = SIGNY_TRY(crypto::sslib_public_key(key));
    if (!trust.keys.contains(pub.keyid()))
      return fail(Errc::internal, "root key " + id + " has no in-toto key ID among the root's layout keys");
    used.insert(canonical);
    out.push_back(LayoutSigner{std::move(key), std::move(pub), canonical});
  }
  if (out.empty())
    return fail(Errc::not_found, "none of the root keys of " + std::string(gun) + " is in " + (ks.dir() / "private").string() +
                                     " (sign with the collection's root key, or give --key KEYID)");
  return out;
}

}  // namespace

Result<LayoutTrust> root_layout_trust(const tuf::Root& root) {
  auto role = root.roles.find("root");
  if (role == root.roles.end()) return fail(Errc::untrusted_key, "root.json lists no root role");
  if (role->second.threshold < 1) return fail(Errc::untrusted_key, "root.json's root threshold is below 1");
  LayoutTrust trust;
  trust.threshold = static_cast<std::size_t>(role->second.threshold);
  for (const auto& id : role->second.keyids) {
    auto it = root.keys.find(id);
    if (it == root.keys.end() || !it->second.is_known()) continue;
    // x509 keys: the public key inside the leaf certificate (what the root key's private half
    // signs with); the certificate itself carries nothing in-toto checks.
    auto pub = it->second.public_key();
    if (!pub) {
      log::warn("root key " + id + " is left out of the layout keys: " + pub.error().message);
      continue;
    }
    auto key = SIGNY_TRY(crypto::sslib_public_key(*pub));
    trust.keys.emplace(key.keyid(), std::move(key));
  }
  if (trust.keys.empty()) return fail(Errc::untrusted_key, "root.json lists no root key in-toto can use");
  return trust;
}

Result<LayoutSignResult> sign_layout(const Context& ctx, std::string_view layout_bytes, std::string_view gun,
                                     const LayoutSignOptions& options) {
  SIGNY_TRY_VOID(notary::check_gun(gun));
  LayoutSignResult result;
  result.gun = std::string(gun);
  auto mb = SIGNY_TRY(read_layout(layout_bytes, result));
  // in-toto verifylib.verify_layout_expiration refuses expires < now; signing one is a mistake.
  if (mb.signed_.expires_at < ctx.now)
    return fail(Errc::expired, "layout: expired at " + mb.signed_.expires + ": set a later \"expires\" and sign again");
  auto ks = SIGNY_TRY(keystore::KeyStore::open(ctx.trust_dir, *ctx.passphrases));
  std::vector<LayoutSigner> signers;
  if (options.key_id) {
    auto key = ks.load(*options.key_id);
    if (!key) return tl::unexpected(key.error().context("--key"));
    auto pub = SIGNY_TRY(crypto::sslib_public_key(*key));
    signers.push_back(LayoutSigner{std::move(*key), std::move(pub), *options.key_id});
  } else {
    auto root = SIGNY_TRY(trusted_root(ctx, gun));
    auto trust = SIGNY_TRY(root_layout_trust(root).map_error([&](Error e) { return e.context(std::string(gun)); }));
    signers = SIGNY_TRY(held_root_keys(ks, root, trust, gun));
    if (signers.size() < trust.threshold)
      log::warn("the layout is signed with " + std::to_string(signers.size()) + " root key(s) of " + std::string(gun) +
                "; its root threshold is " + std::to_string(trust.threshold) + ": other root key holders must sign it too");
  }
  for (const auto& s : signers) {
    SIGNY_TRY_VOID(intoto::sign(mb, s.key, s.pub));
    result.keyids.push_back(s.pub.keyid());
    result.key_ids.push_back(s.trust_dir_id);
  }
  result.file = SIGNY_TRY(intoto::dump(mb));
  // What is written is what verifies: the dumped bytes parsed again, each signature checked.
  auto again = intoto::parse_layout(result.file);
  if (!again) return tl::unexpected(again.error().context("the signed layout does not parse again"));
  for (const auto& s : signers)
    SIGNY_TRY_VOID(intoto::verify_signature(*again, s.pub, s.pub.keyid()).map_error([](Error e) {
      return e.context("the signed layout does not verify");
    }));
  return result;
}

}  // namespace signy::api
