#include "api/bundle_images.hpp"

#include "signy/oci/reference.hpp"
#include "signy/util/file.hpp"
#include "signy/util/text.hpp"

namespace signy::api {

Result<std::optional<cnab::RelocationMap>> load_relocation_map(const ImageOptions& options) {
  if (!options.relocation_map) return std::optional<cnab::RelocationMap>{};
  auto bytes = read_file_limited(*options.relocation_map, cnab::kMaxRelocationMapBytes);
  if (!bytes) return tl::unexpected(bytes.error().context("--relocation-map"));
  auto map = cnab::parse_relocation_map(*bytes);
  if (!map) return tl::unexpected(map.error().context("--relocation-map " + options.relocation_map->string()));
  return std::optional<cnab::RelocationMap>(std::move(*map));
}

Status check_pinned(const cnab::NamedImage& image, bool allow_unpinned, std::vector<std::string>& warnings) {
  if (image.image.content_digest) return {};
  std::string what = image.name + " (" + escape_control(image.image.image) + ") has no contentDigest";
  if (!allow_unpinned)
    return fail(Errc::unpinned_image, what + ": the signed bundle does not pin it (--allow-unpinned accepts it as its tag resolves now)");
  warnings.push_back(what + ": accepted as its tag resolves now (--allow-unpinned)");
  return {};
}

Result<ResolvedImage> resolve_image(Registries& registries, const cnab::NamedImage& image, const cnab::RelocationMap* map,
                                    bool allow_unpinned, std::vector<std::string>& warnings) {
  const auto& b = image.image;
  SIGNY_TRY_VOID(check_pinned(image, allow_unpinned, warnings));
  std::string where = b.image;
  if (map) {
    auto it = map->find(b.image);
    if (it == map->end())
      return fail(Errc::missing_image, image.name + ": the relocation map has no entry for " + escape_control(b.image));
    where = it->second;
  }
  auto parsed = oci::parse_reference(where);
  if (!parsed) return tl::unexpected(parsed.error().context(image.name + " (" + escape_control(where) + ")"));
  auto& loc = *parsed;
  auto* reg = SIGNY_TRY(registries.get(loc.domain));
  // By its digest when the reference names one (docker pulls name:tag@digest by the digest).
  auto desc = reg->resolve(loc.path, loc.digest ? std::string_view(*loc.digest) : std::string_view(loc.tag));
  if (!desc) {
    if (desc.error().code == Errc::not_found_remote)
      return fail(Errc::missing_image, image.name + ": " + desc.error().message);
    return tl::unexpected(desc.error().context(image.name));
  }
  std::string at = escape_control(where);
  if (loc.digest && desc->digest != *loc.digest)
    return fail(Errc::image_mismatch, image.name + ": the registry serves " + desc->digest + " for " + at);
  if (b.content_digest && desc->digest != *b.content_digest)
    return fail(Errc::image_mismatch, image.name + ": " + at + " is " + desc->digest + " in its registry, the signed bundle.json says " +
                                          escape_control(*b.content_digest));
  if (b.size && desc->size != *b.size)
    return fail(Errc::image_mismatch, image.name + ": " + at + " is a manifest of " + std::to_string(desc->size) +
                                          " bytes, the signed bundle.json says " + std::to_string(*b.size));
  if (b.media_type && desc->media_type != *b.media_type)
    return fail(Errc::image_mismatch, image.name + ": " + at + " is " + desc->media_type + ", the signed bundle.json says " +
                                          escape_control(*b.media_type));
  ResolvedImage out;
  out.verified = cnab::VerifiedImage{image.name, b.image, loc.domain + "/" + loc.path + "@" + desc->digest};
  out.location = loc;
  out.descriptor = *desc;
  return out;
}

}  // namespace signy::api
