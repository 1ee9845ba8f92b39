// in-toto through TUF (cnab-spec 301; issue 9 item 6): what sign --in-toto publishes and stores,
// and what verify --in-toto fetches and checks before the in-toto verifier runs. The layout of
// targets and roles is in signy/api/intoto_dist.hpp; why, in docs/security/in-toto-distribution.md.
#include <algorithm>
#include <memory>
#include <set>

#include "api/intoto_publish.hpp"
#include "api/registries.hpp"
#include "signy/api/intoto.hpp"
#include "signy/api/intoto_dist.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/oci/descriptor.hpp"
#include "signy/sys/sandbox.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::api {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kArtifactType = "application/vnd.signy.in-toto.v1";
constexpr std::string_view kEmptyMediaType = "application/vnd.oci.empty.v1+json";
constexpr std::string_view kEmptyJson = "{}";

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace
using namespace in_toto_storage;

std::string in_toto_artifact_tag(std::string_view bundle_sha256_hex) {
  return "sha256-" + std::string(bundle_sha256_hex) + ".in-toto";
}

bool valid_link_file_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".link";
  if (name.size() <= kSuffix.size() + 9 || !name.ends_with(kSuffix) || name.find("..") != std::string_view::npos) return false;
  auto stem = name.substr(0, name.size() - kSuffix.size());
  auto dot = stem.size() - 9;
  if (stem[dot] != '.' || !is_lower_hex(stem.substr(dot + 1))) return false;
  auto step = stem.substr(0, dot);
  if (step.empty() || step.front() == '.') return false;
  return std::all_of(step.begin(), step.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '/' && c != '\\'; });
}

// ---- sign --in-toto ----

Result<PreparedInToto> prepare_in_toto(const InTotoPublish& publish, const crypto::Digests& bundle) {
  PreparedInToto out;
  auto layout_bytes = SIGNY_TRY(read_file_limited(publish.layout, intoto::kMaxMetadataBytes).map_error([](Error e) {
    return e.context("--layout");
  }));
  auto layout = SIGNY_TRY(intoto::parse_layout(layout_bytes).map_error([&](Error e) { return e.context("--layout " + publish.layout.string()); }));
  std::set<std::string> steps;
  for (const auto& s : layout.signed_.steps) steps.insert(s.name);

  tuf::Json layout_custom_list = tuf::Json::array();
  if (publish.layout_key) {
    // The dedicated key: a public securesystemslib dict, published byte for byte as
    // in-toto-pubkeys/<keyid>.pub (what `signy key export --format in-toto` prints).
    auto key_bytes = SIGNY_TRY(read_file_limited(*publish.layout_key, 64u << 10).map_error([](Error e) { return e.context("--layout-key"); }));
    auto json = SIGNY_TRY(cjson::parse_strict(key_bytes).map_error([&](Error e) { return e.context("--layout-key " + publish.layout_key->string()); }));
    auto key = SIGNY_TRY(crypto::SslibKey::from_json(json).map_error([&](Error e) { return e.context("--layout-key " + publish.layout_key->string()); }));
    if (key.private_value && !key.private_value->empty())
      return fail(Errc::usage, "--layout-key " + publish.layout_key->string() + " holds a private key: give its public dict (signy key export --format in-toto)");
    auto keyid = key.keyid();
    if (auto st = intoto::verify_signature(layout, key, keyid); !st)
      return fail(st.error().code, "--layout " + publish.layout.string() + " does not verify with --layout-key " + keyid + ": " + st.error().message);
    std::string name = std::string(kInTotoPubkeyPrefix) + keyid + ".pub";
    out.targets.top.emplace(name, tuf::make_file_meta(key_bytes));
    out.files.emplace_back(name, std::move(key_bytes));
    layout_custom_list.push_back(name);
    out.targets.check_root = [](const tuf::Root&) -> Status { return {}; };
  } else {
    // Root-anchored (signy layout sign): checked once the collection's root is known (a new
    // collection's too), with its root keys and threshold as verify will check it.
    auto shared = std::make_shared<intoto::LayoutMetablock>(std::move(layout));
    auto file = publish.layout.string();
    out.targets.check_root = [shared, file](const tuf::Root& root) -> Status {
      auto trust = SIGNY_TRY(root_layout_trust(root).map_error([&](Error e) { return e.context("--layout " + file); }));
      std::size_t good = 0;
      for (const auto& [id, key] : trust.keys)
        if (intoto::verify_signature(*shared, key, id)) ++good;
      if (good < trust.threshold)
        return fail(Errc::threshold_not_met, "--layout " + file + " does not verify with the collection's root keys: " + std::to_string(good) +
                                                 " of " + std::to_string(trust.threshold) + " signatures (sign it with signy layout sign, or give --layout-key)");
      return {};
    };
  }
  auto layout_meta = tuf::make_file_meta(layout_bytes);
  layout_meta.custom = tuf::Json{{"in-toto", layout_custom_list}};
  out.targets.top.emplace(std::string(kInTotoLayoutTarget), layout_meta);
  out.files.emplace_back(std::string(kInTotoLayoutTarget), std::move(layout_bytes));

  // Links: every entry of the directory must be a well-named link file (nothing else is there by
  // accident: a forgotten file would otherwise silently not be published).
  tuf::Json listed = tuf::Json::array({std::string(kInTotoLayoutTarget)});
  const std::string link_dir = std::string(kInTotoLinkPrefix) + hex_encode(bundle.sha256) + "/";
  std::error_code ec;
  if (!fs::is_directory(publish.links, ec)) return fail(Errc::not_found, "--links " + publish.links.string() + ": not a directory");
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(publish.links, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
    if (entries.size() > kMaxLinkFiles)
      return fail(Errc::too_large, "--links " + publish.links.string() + " holds more than " + std::to_string(kMaxLinkFiles) + " files");
  }
  if (ec) return fail(Errc::io_error, "--links " + publish.links.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const auto& path : entries) {
    auto name = path.filename().string();
    if (!valid_link_file_name(name))
      return fail(Errc::usage, "--links: " + shown(name) + " is not a link file name \"<step>.<keyid[:8]>.link\"");
    if (fs::is_symlink(fs::symlink_status(path, ec)))
      return fail(Errc::usage, "--links: " + shown(name) + " is a symbolic link");
    auto bytes = SIGNY_TRY(read_file_limited(path, intoto::kMaxMetadataBytes).map_error([&](Error e) { return e.context("--links"); }));
    auto link = SIGNY_TRY(intoto::parse_link(bytes).map_error([&](Error e) { return e.context("--links " + name); }));
    auto step = name.substr(0, name.size() - 14);
    auto k8 = name.substr(name.size() - 13, 8);
    if (link.signed_.name != step)
      return fail(Errc::usage, "--links: " + shown(name) + " holds the link of step " + shown(link.signed_.name) + ": misnamed");
    bool signer = std::any_of(link.signatures.begin(), link.signatures.end(), [&](const auto& s) { return s.keyid.starts_with(k8); });
    if (!signer) return fail(Errc::usage, "--links: " + shown(name) + " has no signature by a key ID starting " + k8 + ": misnamed");
    if (!steps.contains(step)) return fail(Errc::usage, "--links: " + shown(name) + " is a link of step " + shown(step) + ", which the layout does not have");
    std::string target = link_dir + name;
    out.targets.releases.emplace(target, tuf::make_file_meta(bytes));
    out.files.emplace_back(target, std::move(bytes));
    listed.push_back(target);
  }
  out.targets.bundle_custom = tuf::Json{{"in-toto", listed}};
  return out;
}

Result<std::string> store_in_toto(const Context& ctx, const oci::Reference& ref, const PreparedInToto& prepared,
                                  const crypto::Digests& bundle) {
  auto gun = ref.gun();
  if (auto root = file_repository(ctx)) {
    auto dir = store_dir(*root, gun);
    SIGNY_TRY_VOID(make_private_dirs(dir, 0755));
    for (const auto& [name, bytes] : prepared.files)
      SIGNY_TRY_VOID(atomic_write(dir / sha256_hex(bytes), bytes, 0644).map_error([&](Error e) { return e.context("storing " + name); }));
    return dir.string();
  }
  // One OCI artifact manifest references every blob, tagged per bundle so that registries keep
  // them (an untagged manifest may be garbage-collected).
  Registries registries(ctx.registry);
  auto* reg = SIGNY_TRY(registries.get(ref.domain));
  oci::Descriptor empty{std::string(kEmptyMediaType), "sha256:" + sha256_hex(kEmptyJson), kEmptyJson.size(), {}};
  SIGNY_TRY_VOID(reg->push_blob(ref.path, empty, kEmptyJson));
  cjson::Json layers = cjson::Json::array();
  for (const auto& [name, bytes] : prepared.files) {
    oci::Descriptor d{std::string(kBlobMediaType), "sha256:" + sha256_hex(bytes), bytes.size(), {}};
    SIGNY_TRY_VOID(reg->push_blob(ref.path, d, std::string_view(bytes)).map_error([&](Error e) { return e.context("storing " + name + " in " + repo_of(ref)); }));
    layers.push_back({{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size},
                      {"annotations", {{"org.opencontainers.image.title", name}}}});
  }
  cjson::Json manifest{{"schemaVersion", 2},
                       {"mediaType", std::string(oci::kOciManifest)},
                       {"artifactType", std::string(kArtifactType)},
                       {"config", {{"mediaType", empty.media_type}, {"digest", empty.digest}, {"size", empty.size}}},
                       {"layers", layers}};
  auto tag = in_toto_artifact_tag(hex_encode(bundle.sha256));
  SIGNY_TRY_VOID(reg->put_manifest(ref.path, tag, oci::kOciManifest, manifest.dump()).map_error([&](Error e) {
    return e.context("storing the in-toto manifest " + repo_of(ref) + ":" + tag);
  }));
  return repo_of(ref) + ":" + tag;
}

}  // namespace signy::api
