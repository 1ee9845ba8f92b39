// verify --in-toto (cnab-spec 301, 303): the in-toto targets of a verified bundle checked against
// the roles that may sign them, fetched by their signed length and hashes, then verified.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "api/intoto_publish.hpp"
#include "api/registries.hpp"
#include "signy/api/intoto_dist.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/sys/sandbox.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"

namespace signy::api {
namespace fs = std::filesystem;
using namespace in_toto_storage;

// ---- verify --in-toto ----

Result<fs::path> copy_verified_file(const fs::path& file, const crypto::Digests& verified, const fs::path& dir) {
  auto reader = SIGNY_TRY(FileReader::open(file));
  if (reader.size() != verified.length)
    return fail(Errc::length_mismatch, file.string() + " is " + std::to_string(reader.size()) + " bytes, not the " +
                                           std::to_string(verified.length) + " its signed target matched (it changed since)");
  reader.limit(verified.length);
  auto dest = dir / file.filename();
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::io_error, dest.string() + ": " + std::strerror(errno));
  auto digests = crypto::digest_stream([&reader](std::span<std::uint8_t> buf) { return reader.read(buf); },
                                       [&](crypto::ChunkSource& chunks) -> Status {
                                         for (auto c = chunks.next(); !c.empty(); c = chunks.next())
                                           while (!c.empty()) {
                                             auto n = ::write(fd, c.data(), c.size());
                                             if (n < 0 && errno == EINTR) continue;
                                             if (n <= 0) return fail(Errc::io_error, dest.string() + ": " + std::strerror(errno));
                                             c = c.subspan(static_cast<std::size_t>(n));
                                           }
                                         return {};
                                       });
  if (::close(fd) != 0 && digests) return fail(Errc::io_error, dest.string() + ": " + std::strerror(errno));
  if (!digests) return tl::unexpected(digests.error());
  if (digests->length != verified.length || digests->sha256 != verified.sha256 || digests->sha512 != verified.sha512)
    return fail(Errc::hash_mismatch, file.string() + ": sha256 " + hex_encode(digests->sha256) + " is not the " +
                                         hex_encode(verified.sha256) + " its signed target matched (it changed since)");
  return dest;
}

namespace {

// Reads stored files by the length and hashes TUF lists; the location is never trusted.
class Fetcher {
 public:
  Fetcher(const Context& ctx, const oci::Reference& ref, const InTotoVerifyOptions& options) : ctx_(ctx), ref_(ref), registries_(ctx.registry) {
    if (options.dir) {
      dir_ = *options.dir;
      by_name_ = true;
      where_ = options.dir->string() + " (--in-toto-dir)";
    } else if (auto root = file_repository(ctx)) {
      dir_ = store_dir(*root, ref.gun());
      where_ = dir_->string();
    } else {
      where_ = repo_of(ref) + " (registry)";
    }
  }
  const std::string& where() const { return where_; }

  Result<std::string> get(const std::string& name, const tuf::FileMeta& meta) {
    auto sha256 = meta.hashes.get("sha256");
    if (sha256.empty()) return fail(Errc::hash_mismatch, "the in-toto target " + shown(name) + " lists no sha256 to fetch it by");
    if (meta.length < 0 || static_cast<std::uint64_t>(meta.length) > intoto::kMaxMetadataBytes)
      return fail(Errc::too_large, "the in-toto target " + shown(name) + " is " + std::to_string(meta.length) + " bytes");
    auto hex = hex_encode(sha256);
    auto length = static_cast<std::uint64_t>(meta.length);
    std::string bytes;
    if (dir_) {
      auto path = *dir_ / hex;
      std::error_code ec;
      if (by_name_ && !fs::exists(path, ec)) path = *dir_ / fs::path(name).filename();
      if (!fs::exists(path, ec))
        return fail(Errc::link_missing, "in-toto file " + shown(name) + " (sha256 " + hex + ") is not in " + where_);
      // One byte over the signed length is enough to refuse a longer file.
      auto read = read_file_limited(path, length + 1);
      if (!read && read.error().code == Errc::too_large)
        return fail(Errc::length_mismatch, "in-toto file " + shown(name) + " in " + where_ + " is longer than its signed target (" + std::to_string(length) + " bytes)");
      if (!read) return tl::unexpected(read.error().context("in-toto file " + name));
      bytes = std::move(*read);
    } else {
      auto* reg = SIGNY_TRY(registries_.get(ref_.domain));
      oci::Descriptor d{std::string(kBlobMediaType), "sha256:" + hex, length, {}};
      auto got = reg->get_blob(ref_.path, d, [&](std::string_view chunk) -> Status {
        bytes.append(chunk);
        return {};
      });
      if (!got) {
        if (got.error().code == Errc::not_found_remote || got.error().code == Errc::not_found)
          return fail(Errc::link_missing, "in-toto file " + shown(name) + " (sha256 " + hex + ") is not in " + where_);
        return tl::unexpected(got.error().context("in-toto file " + name));
      }
    }
    SIGNY_TRY_VOID(check(name, meta, bytes));
    return bytes;
  }

 private:
  Status check(const std::string& name, const tuf::FileMeta& meta, std::string_view bytes) const {
    if (static_cast<std::int64_t>(bytes.size()) != meta.length)
      return fail(Errc::length_mismatch, "in-toto file " + shown(name) + " from " + where_ + " is " + std::to_string(bytes.size()) +
                                             " bytes, its signed target " + std::to_string(meta.length));
    auto d256 = crypto::sha256(as_bytes(bytes));
    auto d512 = crypto::sha512(as_bytes(bytes));
    for (auto [alg, got] : {std::pair<const char*, tuf::Hashes::View>{"sha256", d256}, {"sha512", d512}}) {
      auto want = meta.hashes.get(alg);
      if (!want.empty() && !std::equal(got.begin(), got.end(), want.begin(), want.end()))
        return fail(Errc::hash_mismatch, "in-toto file " + shown(name) + " from " + where_ + ": " + alg + " " + hex_encode(got) +
                                             " differs from its signed target's " + hex_encode(want));
    }
    return {};
  }
  const Context& ctx_;
  const oci::Reference& ref_;
  Registries registries_;
  std::optional<fs::path> dir_;
  bool by_name_ = false;
  std::string where_;
};

}  // namespace

Result<InTotoVerifyResult> verify_bundle_intoto(const Context& ctx, std::string_view ref_text, const VerifyResult& verified,
                                                const std::optional<fs::path>& thick_file, const InTotoVerifyOptions& options) {
  auto ref = SIGNY_TRY(oci::parse_reference(ref_text));
  if (!verified.in_toto)
    return fail(Errc::link_missing, "the signed target has no in-toto metadata in its custom (signed without --in-toto)");
  const auto& t = *verified.in_toto;
  // TAP 4: the in-toto files are where the repository whose custom is used stores them.
  Context from = ctx;
  if (!t.server.empty()) from.server = t.server;
  InTotoVerifyResult result;
  // 1. What the bundle's custom lists: the layout once, then links of this bundle only.
  if (!t.listed.is_array() || t.listed.empty())
    return fail(Errc::untrusted_key, "the signed target's custom[\"in-toto\"] is not a list of in-toto target names");
  const std::string link_dir = std::string(kInTotoLinkPrefix) + hex_encode(verified.digests.sha256) + "/";
  // The layout once and at most as many links as sign publishes, before anything is fetched.
  if (t.listed.size() > kMaxLinkFiles + 1)
    return fail(Errc::too_large, "the signed target lists more than " + std::to_string(kMaxLinkFiles) + " in-toto links (" +
                                     std::to_string(t.listed.size()) + " names)");
  bool layout_listed = false;
  std::set<std::string_view> seen;
  for (const auto& item : t.listed) {
    if (!item.is_string()) return fail(Errc::untrusted_key, "the signed target's custom[\"in-toto\"] holds a non-string");
    const auto& name = item.get_ref<const std::string&>();
    if (name == kInTotoLayoutTarget) {
      layout_listed = true;
      continue;
    }
    if (!name.starts_with(link_dir) || !valid_link_file_name(std::string_view(name).substr(link_dir.size())))
      return fail(Errc::untrusted_key, "the signed target lists the in-toto target " + shown(name) + ", not a link file under " + link_dir);
    if (!seen.insert(name).second)
      return fail(Errc::untrusted_key, "the signed target lists the link " + shown(name) + " twice");
    result.links.push_back(name);
  }
  if (!layout_listed) return fail(Errc::untrusted_key, "the signed target does not list " + std::string(kInTotoLayoutTarget) + " in custom[\"in-toto\"]");
  // 2. The layout and its keys: targets' own targets only (a delegation may sign any name: its
  //    paths are prefixes, and it must never choose the layout or the key that checks it).
  const std::string layout_name(kInTotoLayoutTarget);
  auto layout_it = t.from_targets.find(layout_name);
  if (layout_it == t.from_targets.end())
    return fail(Errc::untrusted_key, "targets signs no " + layout_name + " (a delegation's copy is never used)");
  result.layout = layout_name;
  // 3. The links: signed by the role that signed the bundle (trusted_target kept only those).
  for (const auto& name : result.links)
    if (!t.from_role.contains(name))
      return fail(Errc::untrusted_key, "the link " + shown(name) + " listed by the signed target is not a target of " + verified.role + ", which signed the bundle");

  // 4. The artifact under verification, first: the archive alone (the bytes TUF verified, copied
  //    and hashed again in one read), or the verified bundle.json.
  InTotoCheck check;
  auto private_dir = SIGNY_TRY(sys::PrivateDir::create("signy-bundle"));
  if (thick_file) {
    check.artifacts = SIGNY_TRY(copy_verified_file(*thick_file, verified.digests, private_dir.path()));
  } else {
    SIGNY_TRY_VOID(atomic_write(private_dir.path() / "bundle.json", t.bundle_bytes, 0600));
    check.artifacts = private_dir.path();
  }
  auto fetcher = std::make_shared<Fetcher>(from, ref, options);
  auto& fetch = *fetcher;
  result.storage = fetch.where();
  check.layout = SIGNY_TRY(fetch.get(layout_name, layout_it->second));
  const auto& custom = layout_it->second.custom;
  tuf::Json pubkeys = custom && custom->is_object() && custom->contains("in-toto") ? custom->at("in-toto") : tuf::Json::array();
  if (!pubkeys.is_array()) return fail(Errc::untrusted_key, layout_name + ": custom[\"in-toto\"] is not a list of key targets");
  for (const auto& item : pubkeys) {
    if (!item.is_string()) return fail(Errc::untrusted_key, layout_name + ": custom[\"in-toto\"] holds a non-string");
    const auto& name = item.get_ref<const std::string&>();
    std::string_view id(name);
    if (!name.starts_with(kInTotoPubkeyPrefix) || !name.ends_with(".pub"))
      return fail(Errc::untrusted_key, layout_name + " lists " + shown(name) + ", not an in-toto-pubkeys/<keyid>.pub target");
    id = id.substr(kInTotoPubkeyPrefix.size(), id.size() - kInTotoPubkeyPrefix.size() - 4);
    if (id.size() != 64 || !std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
      return fail(Errc::untrusted_key, layout_name + " lists " + shown(name) + ", not an in-toto-pubkeys/<64 hex key ID>.pub target");
    auto key_it = t.from_targets.find(name);
    if (key_it == t.from_targets.end())
      return fail(Errc::untrusted_key, "targets signs no layout key " + shown(name) + " (a delegation's copy is never used)");
    auto bytes = SIGNY_TRY(fetch.get(name, key_it->second));
    auto json = SIGNY_TRY(cjson::parse_strict(bytes).map_error([&](Error e) { return e.context(name); }));
    auto key = SIGNY_TRY(crypto::SslibKey::from_json(json).map_error([&](Error e) { return e.context(name); }));
    if (key.keyid() != id) return fail(Errc::untrusted_key, "the layout key " + shown(name) + " has the key ID " + key.keyid());
    check.layout_keys.emplace(key.keyid(), std::move(key));
    result.layout_keys.push_back(std::string(id));
  }
  if (check.layout_keys.empty()) {
    // No dedicated key: the layout is anchored in the root.json this refresh verified, checked
    // with root's keys and threshold (never a key from unsigned data).
    auto trust = SIGNY_TRY(root_layout_trust(t.root).map_error([&](Error e) { return e.context(layout_name); }));
    for (const auto& [id, _] : trust.keys) result.layout_keys.push_back(id);
    check.layout_keys = std::move(trust.keys);
    check.layout_threshold = trust.threshold;
    result.layout_keys_from = "root";
  } else {
    result.layout_keys_from = "targets";
  }
  // 5. The links, each fetched and checked by its target only when the verifier asks for its file
  //    name (its link budget bounds what is held); a name not listed is a missing file. A
  //    sublayout's links ("<step>.<k8>/...") are not distributed: the loader finds none.
  auto listed = std::make_shared<std::map<std::string, tuf::FileMeta, std::less<>>>();
  for (const auto& name : result.links) listed->emplace(name.substr(link_dir.size()), t.from_role.at(name));
  check.links = [fetcher, listed, link_dir](std::string_view relative) -> Result<std::optional<std::string>> {
    auto it = listed->find(relative);
    if (it == listed->end()) return std::optional<std::string>();
    return std::optional<std::string>(SIGNY_TRY(fetcher->get(link_dir + it->first, it->second)));
  };
  result.summary = SIGNY_TRY(verify_intoto(ctx, check, options.run));
  return result;
}

}  // namespace signy::api
