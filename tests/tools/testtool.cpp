// signy-testtool: signs and verifies in-toto metadata with signy's crypto, for the interop
// scripts (tests/interop/intoto.sh). Not installed; not part of the CLI.
//   signy-testtool sign FILE OUT (--sslib-key KEYFILE [--password P] | --store DIR --key-id ID)
//   signy-testtool verify FILE PUBFILE...
//   signy-testtool layout-trust ROOT_JSON LAYOUT
//   signy-testtool record DIR [THREADS]   artifacts as an inspection records them (JSON, sorted)
#include <cstdio>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "signy/api/api.hpp"
#include "signy/api/intoto.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/notary/remote.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/record.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/util/file.hpp"

using namespace signy;

namespace {
int die(const std::string& m) {
  std::fprintf(stderr, "signy-testtool: %s\n", m.c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 3 && a[0] == "sign") {
    auto text = read_file_limited(a[1], 16 << 20);
    if (!text) return die(text.error().message);
    auto doc = cjson::parse_strict(*text);
    if (!doc) return die(doc.error().message);
    std::optional<crypto::PrivateKey> key;
    for (std::size_t i = 3; i + 1 < a.size(); i += 2) {
      if (a[i] == "--sslib-key") {
        auto bytes = read_file_limited(a[i + 1], 64 << 10);
        if (!bytes) return die(bytes.error().message);
        std::optional<SecretString> pw;
        if (i + 3 < a.size() && a[i + 2] == "--password") pw.emplace(a[i + 3]);
        auto k = crypto::sslib_load_private(*bytes, pw ? &*pw : nullptr);
        if (!k) return die(k.error().message);
        key = std::move(k->key);
      } else if (a[i] == "--store" && i + 3 < a.size()) {
        keystore::EnvPromptPassphrase pass;
        auto store = keystore::KeyStore::open(a[i + 1], pass);
        if (!store) return die(store.error().message);
        auto k = store->load(a[i + 3]);
        if (!k) return die(k.error().message);
        key = std::move(*k);
        break;
      }
    }
    if (!key) return die("no key given");
    auto pub = crypto::sslib_public_key(*key);
    auto canonical = cjson::sslib_canonical((*doc)["signed"]);
    if (!pub || !canonical) return die("cannot canonicalize");
    auto sig = crypto::sslib_sign(*key, *pub, as_bytes(*canonical));
    if (!sig) return die(sig.error().message);
    (*doc)["signatures"] = cjson::Json::array({*sig});
    auto st = atomic_write(a[2], doc->dump(), 0644);
    if (!st) return die(st.error().message);
    std::printf("%s\n", pub->keyid().c_str());
    return 0;
  }
  if (a.size() >= 3 && a[0] == "verify") {
    auto text = read_file_limited(a[1], 16 << 20);
    if (!text) return die(text.error().message);
    auto doc = cjson::parse_strict(*text);
    if (!doc) return die(doc.error().message);
    auto canonical = cjson::sslib_canonical((*doc)["signed"]);
    if (!canonical) return die(canonical.error().message);
    for (std::size_t i = 2; i < a.size(); ++i) {
      auto pubtext = read_file_limited(a[i], 64 << 10);
      if (!pubtext) return die(pubtext.error().message);
      Result<crypto::SslibKey> pub = fail(Errc::malformed_key, "unreadable");
      if (pubtext->rfind("-----BEGIN", 0) == 0) {  // in-toto's RSA .pub: the PEM, whitespace stripped
        std::string pem = *pubtext;
        while (!pem.empty() && std::isspace(static_cast<unsigned char>(pem.back()))) pem.pop_back();
        pub = crypto::SslibKey{"rsa", "rsassa-pss-sha256", pem, std::nullopt};
      } else {
        auto pj = cjson::parse_strict(*pubtext);
        if (!pj) return die(pj.error().message);
        pub = crypto::SslibKey::from_json(*pj);
      }
      if (!pub) return die(pub.error().message);
      bool ok = false;
      for (const auto& s : (*doc)["signatures"])
        if (s.value("keyid", "") == pub->keyid() && crypto::sslib_verify(*pub, s.value("sig", ""), as_bytes(*canonical))) ok = true;
      if (!ok) return die("no valid signature by " + pub->keyid());
    }
    std::printf("verified\n");
    return 0;
  }
  if (a.size() == 3 && a[0] == "layout-trust") {
    // layout-trust ROOT_JSON LAYOUT: checks the layout's signatures against api::root_layout_trust
    // of root.json (its root keys and threshold), as verify --in-toto anchors a root-signed layout.
    auto root_text = read_file_limited(a[1], 16 << 20);
    if (!root_text) return die(root_text.error().message);
    auto root = tuf::parse_root(*root_text);
    if (!root) return die(root.error().message);
    auto trust = api::root_layout_trust(root->signed_);
    if (!trust) return die(trust.error().message);
    auto text = read_file_limited(a[2], intoto::kMaxMetadataBytes);
    if (!text) return die(text.error().message);
    auto layout = intoto::parse_layout(*text);
    if (!layout) return die(layout.error().message);
    std::size_t good = 0;
    for (const auto& [id, key] : trust->keys) {
      std::printf("root layout key %s\n", id.c_str());
      if (intoto::verify_signature(*layout, key, id)) ++good;
    }
    if (good < trust->threshold)
      return die("layout signed by " + std::to_string(good) + " of the " + std::to_string(trust->threshold) + " root keys needed");
    std::printf("verified by %zu of %zu root keys (threshold %zu)\n", good, trust->keys.size(), trust->threshold);
    return 0;
  }
  if ((a.size() == 2 || a.size() == 3) && a[0] == "record") {
    intoto::RecordOptions opts;
    if (a.size() == 3) opts.threads = static_cast<unsigned>(std::stoul(a[2]));
    auto m = intoto::record_artifacts(a[1], opts);
    if (!m) return die(m.error().message);
    cjson::Json j = cjson::Json::object();
    for (const auto& [path, hashes] : *m) j[path] = hashes;
    std::printf("%s\n", j.dump(-1, ' ', true).c_str());
    return 0;
  }
  if (a.size() == 6 && a[0] == "bulk-targets") {
    // bulk-targets TRUSTDIR SERVER CA GUN N: adds N targets to an existing collection in one
    // publish (benchmark set-up; signy's CLI adds one target per command).
    keystore::EnvPromptPassphrase pass;
    api::Context ctx;
    ctx.trust_dir = std::filesystem::absolute(a[1]);
    ctx.server = a[2];
    ctx.http.ca_file = a[3];
    ctx.passphrases = &pass;
    ctx.now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    auto remote = notary::open_remote(ctx.server, a[4], ctx.http);
    if (!remote) return die(remote.error().message);
    tuf::Updater up(a[4], ctx.trust_dir / "tuf" / a[4] / "metadata", **remote, ctx.now);
    if (auto st = up.refresh(); !st) return die(st.error().message);
    auto store = keystore::KeyStore::open(ctx.trust_dir, pass);
    if (!store) return die(store.error().message);
    const auto& root = up.trusted().root().signed_;
    std::string id = root.roles.at("targets").keyids.at(0);
    auto key = store->load(root.keys.at(id).canonical_key_id());
    if (!key) return die(key.error().message);
    tuf::Targets t = up.trusted().targets()->signed_;
    t.version += 1;
    for (int i = 0; i < std::stoi(a[5]); ++i) t.targets["bulk-" + std::to_string(i)] = tuf::make_file_meta(std::to_string(i));
    auto bytes = tuf::sign_metadata(tuf::to_json(t), {{id, &*key}});
    if (!bytes) return die(bytes.error().message);
    if (auto st = (*remote)->publish({{"targets", *bytes}}); !st) return die(st.error().message);
    std::printf("published %s targets\n", a[5].c_str());
    return 0;
  }
  return die("usage: sign FILE OUT (--sslib-key K [--password P] | --store DIR --key-id ID) | verify FILE PUB... | layout-trust ROOT_JSON LAYOUT | record DIR [THREADS]");
}
