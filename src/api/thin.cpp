// Thin bundles (cnab-spec 200/201, cnab-to-oci's layout) and container images (Docker Content
// Trust's targets) in OCI registries: issue 8 items 2-4. The modules do the work: cnab parses and
// lays out, oci talks to registries, sign_target/trusted_target do TUF.
#include <algorithm>
#include <future>

#include "api/bundle_images.hpp"
#include "api/collection.hpp"
#include "api/intoto_publish.hpp"
#include "api/registries.hpp"
#include "signy/cnab/thin.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::api {
namespace fs = std::filesystem;
namespace {

Result<crypto::Digests> digest_bytes(std::string_view bytes) {
  std::size_t at = 0;
  return crypto::digest_stream([&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    std::size_t n = std::min(buf.size(), bytes.size() - at);
    std::copy_n(bytes.data() + at, n, buf.data());
    at += n;
    return n;
  });
}

std::string sha256_digest(const crypto::Digests& d) { return "sha256:" + hex_encode(d.sha256); }

std::string repo_of(const oci::Reference& r) { return r.domain + "/" + r.path; }

// The reference of a command must name a tag (the TUF target) and a repository.
Result<oci::Reference> bundle_reference(std::string_view text) {
  auto ref = SIGNY_TRY(oci::parse_reference(text));
  SIGNY_TRY_VOID(notary::check_gun(ref.gun()));
  return ref;
}

// Pushes the config blob, then the config manifest in the first of cnab-to-oci's three forms the
// registry accepts (converter/types.go: any error moves to the next form), and returns the config
// manifest's descriptor and the config media type used.
Result<std::pair<oci::Descriptor, std::string>> push_config(oci::Registry& reg, const oci::Reference& ref, std::string_view bytes,
                                                            const crypto::Digests& digests) {
  oci::Descriptor blob{std::string(cnab::kCnabConfig), sha256_digest(digests), bytes.size(), {}};
  SIGNY_TRY_VOID(reg.push_blob(ref.path, blob, bytes).map_error([&](Error e) { return e.context("pushing the config blob"); }));
  std::optional<Error> last;
  for (auto form : cnab::kConfigFallbacks) {
    auto manifest = SIGNY_TRY(cnab::make_config_manifest(blob.digest, blob.size, form));
    const auto& d = manifest.descriptor;
    auto put = reg.put_manifest(ref.path, d.digest, d.media_type, manifest.bytes);
    if (put) return std::pair{d, std::string(cnab::config_media_type(form))};
    log::info("the registry refused the config manifest with config type " + std::string(cnab::config_media_type(form)) + " (" +
              put.error().message + "); trying cnab-to-oci's next form");
    last = put.error();
  }
  return tl::unexpected(last->context("pushing the bundle's config manifest (every form of cnab-to-oci's fallback chain refused)"));
}

}  // namespace

Result<ThinSignResult> sign_thin(const Context& ctx, const fs::path& bundle_json, std::string_view ref_text,
                                 const SignOptions& options, const ImageOptions& image_options) {
  auto ref = SIGNY_TRY(bundle_reference(ref_text));
  auto bytes = read_file_limited(bundle_json, cnab::kMaxBundleBytes);
  if (!bytes) return tl::unexpected(bytes.error());
  // What is signed is exactly the bytes given (never re-serialized): they must be canonical.
  SIGNY_TRY_VOID(cnab::check_thin_canonical(*bytes).map_error([&](Error e) {
    return e.context(bundle_json.string() + " (a thin bundle.json must be canonical JSON, RFC 8785, as cnab-go writes it)");
  }));
  auto bundle = SIGNY_TRY(cnab::parse_bundle(*bytes).map_error([&](Error e) { return e.context(bundle_json.string()); }));
  SIGNY_TRY_VOID(cnab::check_image_digests(bundle));
  auto digests = SIGNY_TRY(digest_bytes(*bytes));
  SIGNY_TRY_VOID(check_pinned_file(ref, digests, bundle_json.string()));
  // --in-toto: the layout, its key and the links are checked before anything is pushed.
  std::optional<PreparedInToto> in_toto;
  if (options.in_toto) in_toto = SIGNY_TRY(prepare_in_toto(*options.in_toto, digests));

  ThinSignResult result;
  Registries registries(ctx.registry);
  auto* reg = SIGNY_TRY(registries.get(ref.domain));
  // 1. Every image where bundle.json says it is, equal to what it says: all of them are checked
  //    before anything is pushed.
  std::vector<std::pair<cnab::NamedImage, ResolvedImage>> images;
  for (const auto& image : cnab::images_of(bundle)) {
    auto resolved = SIGNY_TRY(resolve_image(registries, image, nullptr, image_options.allow_unpinned, result.warnings));
    const auto& loc = resolved.location;
    if (loc.domain == ref.domain && loc.path == ref.path && !loc.digest && loc.tag == ref.tag)
      return fail(Errc::usage, image.name + " is " + escape_control(image.image.image) + ", the tag the bundle is pushed to: pushing would replace it");
    images.emplace_back(image, std::move(resolved));
  }
  // 2. Content-addressed pushes, which move no tag: the images into the bundle's own repository
  //    (cnab-to-oci fixup: an index may only name manifests of its repository), the config blob
  //    and the config manifest.
  cnab::ImageDescriptors image_descriptors;
  cnab::RelocationMap relocation;
  for (const auto& [image, resolved] : images) {
    const auto& loc = resolved.location;
    if (loc.domain != ref.domain || loc.path != ref.path) {
      oci::Registry* source = SIGNY_TRY(registries.get(loc.domain));
      std::unique_ptr<oci::Registry> second;
      if (source == reg) {
        // Same registry: blobs are mounted; a second connection reads what a mount refuses.
        second = SIGNY_TRY(registries.fresh(loc.domain));
        source = second.get();
      }
      SIGNY_TRY_VOID(reg->copy_image(*source, loc.path, ref.path, resolved.descriptor).map_error([&](Error e) {
        return e.context("copying " + image.name + " (" + escape_control(image.image.image) + ") into " + repo_of(ref));
      }));
      log::info("copied " + image.name + " into " + repo_of(ref));
    }
    auto pinned = repo_of(ref) + "@" + resolved.descriptor.digest;
    relocation[image.image.image] = pinned;
    if (image.invocation) image_descriptors.invocation = resolved.descriptor;
    else image_descriptors.components[image.name] = resolved.descriptor;
    result.images.push_back(cnab::VerifiedImage{image.name, image.image.image, pinned});
  }
  auto [config_manifest, config_type] = SIGNY_TRY(push_config(*reg, ref, *bytes, digests));
  result.config_media_type = config_type;
  auto index = SIGNY_TRY(cnab::make_index(bundle, config_manifest, image_descriptors, cnab::IndexForm::oci_index));
  auto list = SIGNY_TRY(cnab::make_index(bundle, config_manifest, image_descriptors, cnab::IndexForm::docker_manifest_list));
  // 3. Signed under the collection's lock; once every key is loaded and every signature checked,
  //    the tag moves to the index (then cnab-to-oci's Docker manifest-list form if the registry
  //    refuses it) and the relocation map is written, then the metadata is published. A refused
  //    key or passphrase leaves the tag where it was, on what is signed now.
  auto move_tag = [&]() -> Status {
    auto put = reg->put_manifest(ref.path, ref.tag, index.descriptor.media_type, index.bytes);
    if (!put) {
      log::info("the registry refused the bundle index (" + put.error().message + "); trying a Docker manifest list");
      put = reg->put_manifest(ref.path, ref.tag, list.descriptor.media_type, list.bytes);
      if (!put) return tl::unexpected(put.error().context("pushing the bundle index of " + std::string(ref_text)));
    }
    result.index_digest = *put;
    if (image_options.relocation_map) {
      auto text = SIGNY_TRY(cnab::write_relocation_map(relocation));
      SIGNY_TRY_VOID(atomic_write(*image_options.relocation_map, text, 0644).map_error([](Error e) { return e.context("--relocation-map"); }));
    }
    return {};
  };
  // --in-toto: the files are stored content-addressed (unsigned until the publish below).
  std::string storage;
  if (in_toto) storage = SIGNY_TRY(store_in_toto(ctx, ref, *in_toto, digests));
  auto signed_ = SIGNY_TRY(sign_target(ctx, ref, digests, options, move_tag, in_toto ? &in_toto->targets : nullptr));
  static_cast<SignResult&>(result) = std::move(signed_);
  result.in_toto_storage = storage;
  return result;
}

namespace {
// A thin bundle as its registry serves it: the index the tag points to, the config manifest it
// lists and the config blob, each hashed against the digest it was fetched by (oci::Registry).
// Nothing here is trusted yet: the blob's bytes are compared with the TUF target afterwards.
struct PulledBundle {
  cnab::ThinIndex layout;
  std::string bytes;  // the config blob: bundle.json
};
Result<PulledBundle> pull_bundle(oci::Registry& reg, const oci::Reference& ref, const std::string& ref_text) {
  auto index = SIGNY_TRY(reg.get_manifest(ref.path, ref.tag));
  if (!oci::is_index_media_type(index.descriptor.media_type))
    return fail(Errc::unsupported_media_type, ref_text + " is a " + index.descriptor.media_type +
                                                  ", not a CNAB bundle index (an OCI index or Docker manifest list)");
  PulledBundle out;
  out.layout = SIGNY_TRY(cnab::parse_index(index.bytes, index.descriptor.media_type).map_error([&](Error e) { return e.context("the index of " + ref_text); }));
  auto config_manifest = SIGNY_TRY(reg.get_manifest(ref.path, out.layout.config));
  auto config = SIGNY_TRY(cnab::parse_config_manifest(config_manifest.bytes, config_manifest.descriptor.media_type).map_error([&](Error e) {
    return e.context("the config manifest " + out.layout.config.digest);
  }));
  out.bytes = SIGNY_TRY(reg.fetch_blob(ref.path, config, cnab::kMaxBundleBytes));
  return out;
}
}  // namespace

Result<VerifyResult> verify_thin(const Context& ctx, std::string_view ref_view, const ImageOptions& image_options) {
  VerifySteps steps;
  return verify_thin_steps(ctx, ref_view, image_options, steps);
}

Result<VerifyResult> verify_thin_steps(const Context& ctx, std::string_view ref_view, const ImageOptions& image_options,
                                       VerifySteps& steps) {
  steps.stage = VerifyStage::request;
  std::string ref_text(ref_view);
  auto ref = SIGNY_TRY(bundle_reference(ref_text));
  auto map = SIGNY_TRY(load_relocation_map(image_options));  // a bad local input first
  Registries registries(ctx.registry);
  steps.stage = VerifyStage::bundle_digest;
  auto* reg = SIGNY_TRY(registries.get(ref.domain));
  // The registry pull runs beside the TUF refresh (two servers, two connections); its bytes are
  // used only after they equal the trusted target.
  auto pulling = std::async(std::launch::async, [&] { return pull_bundle(*reg, ref, ref_text); });
  auto target = trusted_target(ctx, ref);
  auto pulled = pulling.get();
  steps.stage = VerifyStage::tuf;
  if (!target) return tl::unexpected(target.error());
  steps.stage = VerifyStage::signing_role;
  if (steps.on_target) SIGNY_TRY_VOID(steps.on_target(*target));
  steps.stage = VerifyStage::bundle_digest;
  if (!pulled) return tl::unexpected(pulled.error());
  const auto& layout = pulled->layout;
  const auto& bytes = pulled->bytes;
  // Raw bytes, never re-serialized (the original signy re-marshalled before hashing).
  auto digests = SIGNY_TRY(digest_bytes(bytes));
  SIGNY_TRY_VOID(compare_with_target(*target, digests, "the bundle config blob of " + ref_text));
  VerifyResult result{target->gun, target->target, target->role, digests, target->trusted_on_first_use, target->warnings, {}, target->in_toto,
                      target->role_version, bytes, target->expired};
  if (result.in_toto) result.in_toto->bundle_bytes = bytes;  // the artifact in-toto verifies
  // bundle.json is trusted from here on.
  steps.stage = VerifyStage::bundle_schema;
  auto bundle = SIGNY_TRY(cnab::parse_bundle(bytes));
  steps.stage = VerifyStage::images;
  SIGNY_TRY_VOID(cnab::check_image_digests(bundle));
  // One invocation descriptor exactly, components the bundle names (cnab-to-oci's reading).
  auto from_index = SIGNY_TRY(cnab::relocation_map_from_index(layout, bundle, repo_of(ref)).map_error([&](Error e) {
    return e.context("the index of " + ref_text);
  }));
  for (const auto& image : cnab::images_of(bundle)) {
    auto resolved = SIGNY_TRY(resolve_image(registries, image, map ? &*map : nullptr, image_options.allow_unpinned, result.warnings));
    // The index tells runtimes where to run each image from (cnab-to-oci GenerateRelocationMap,
    // Porter): it must name the manifest the signed bundle.json pins.
    if (auto it = from_index.find(image.image.image); it != from_index.end()) {
      auto at = it->second.rfind('@');
      std::string listed = at == std::string::npos ? it->second : it->second.substr(at + 1);
      if (listed != resolved.descriptor.digest)
        return fail(Errc::image_mismatch, image.name + ": the bundle index of " + ref_text + " names " + listed +
                                              ", the signed bundle.json's image is " + resolved.descriptor.digest);
    }
    result.images.push_back(std::move(resolved.verified));
  }
  auto s = registries.stats();
  log::debug("registry requests: " + std::to_string(s.requests) + ", connections: " + std::to_string(s.connections));
  return result;
}

Result<ImageSignResult> sign_image(const Context& ctx, std::string_view ref_text) {
  auto ref = SIGNY_TRY(bundle_reference(ref_text));
  Registries registries(ctx.registry);
  auto* reg = SIGNY_TRY(registries.get(ref.domain));
  // The manifest the tag points to now, hashed from its bytes (docker push's PushResult digest).
  auto manifest = SIGNY_TRY(reg->get_manifest(ref.path, ref.tag));
  auto digests = SIGNY_TRY(digest_bytes(manifest.bytes));
  SIGNY_TRY_VOID(check_pinned_file(ref, digests, "the manifest of " + std::string(ref_text)));
  ImageSignResult result;
  SignOptions options;
  options.releases_role = true;  // docker trust push: targets/releases when delegated and held
  static_cast<SignResult&>(result) = SIGNY_TRY(sign_target(ctx, ref, digests, options));
  result.reference = repo_of(ref) + "@" + manifest.descriptor.digest;
  result.media_type = manifest.descriptor.media_type;
  return result;
}

Result<ImageVerifyResult> verify_image(const Context& ctx, std::string_view ref_text) {
  auto ref = SIGNY_TRY(bundle_reference(ref_text));
  auto target = SIGNY_TRY(trusted_target(ctx, ref, {}, /*releases_first=*/true));
  auto sha256 = target.meta.hashes.get("sha256");
  if (sha256.empty()) return fail(Errc::hash_mismatch, "the signed target " + ref.tag + " lists no sha256: no manifest digest to pull by");
  std::string digest = "sha256:" + hex_encode(sha256);
  if (target.meta.length < 0 || static_cast<std::uint64_t>(target.meta.length) > oci::kMaxManifestBytes)
    return fail(Errc::too_large, "the signed target " + ref.tag + " is " + std::to_string(target.meta.length) + " bytes: not a manifest");
  Registries registries(ctx.registry);
  auto* reg = SIGNY_TRY(registries.get(ref.domain));
  // By the trusted digest (docker trust pulls by it), then the tag must still name it.
  auto manifest = SIGNY_TRY(reg->get_manifest(ref.path, digest, static_cast<std::uint64_t>(target.meta.length)));
  auto digests = SIGNY_TRY(digest_bytes(manifest.bytes));
  SIGNY_TRY_VOID(compare_with_target(target, digests, "the manifest " + digest));
  auto now = SIGNY_TRY(reg->resolve(ref.path, ref.tag));
  if (now.digest != digest)
    return fail(Errc::image_mismatch, std::string(ref_text) + " points to " + now.digest + " in the registry now; the signed manifest is " + digest);
  ImageVerifyResult result;
  static_cast<VerifyResult&>(result) = VerifyResult{target.gun, target.target, target.role, digests, target.trusted_on_first_use, target.warnings, {}, {},
                                                      target.role_version, {}, target.expired};
  result.reference = repo_of(ref) + "@" + digest;
  result.media_type = manifest.descriptor.media_type;
  return result;
}

}  // namespace signy::api
