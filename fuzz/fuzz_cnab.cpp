// Fuzzes the CNAB readers with hostile bytes: bundle.json (schema checks), relocation maps,
// pulled indexes and config manifests; and round-trips what signy writes through what it reads.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signy/cnab/thin.hpp"

using namespace signy;
using namespace signy::cnab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = parse_bundle(text)) {
    (void)check_image_digests(*b);
    (void)check_thin_canonical(text);
    auto images = images_of(*b);
    if (images.size() != b->invocation_images.size() + b->images.size()) std::abort();
    // What make_index writes (Go's escapes, nested JSON) reads back to the bundle's strings.
    if (b->invocation_images.size() == 1) {
      oci::Descriptor d{std::string(oci::kOciManifest), "sha256:" + std::string(64, 'a'), 1, {}};
      ImageDescriptors imgs{d, {}};
      for (const auto& [name, c] : b->images) imgs.components[name] = d;
      auto cm = make_config_manifest("sha256:" + std::string(64, 'b'), text.size(), ConfigForm::oci_cnab_config);
      if (!cm) std::abort();
      for (auto form : {IndexForm::oci_index, IndexForm::docker_manifest_list}) {
        auto ix = make_index(*b, cm->descriptor, imgs, form);
        if (!ix) std::abort();
        auto back = parse_index(ix->bytes, ix->descriptor.media_type);
        if (!back || back->config.digest != cm->descriptor.digest || back->invocations.size() != 1 ||
            back->components.size() != b->images.size() ||
            back->annotations.at("org.opencontainers.image.title") != b->name ||
            back->annotations.at("org.opencontainers.image.description") != b->description.value_or(""))
          std::abort();
        for (const auto& [name, c] : b->images)
          if (!back->components.count(name)) std::abort();
      }
    }
  }
  if (auto m = parse_relocation_map(text)) {
    auto out = write_relocation_map(*m);
    if (!out) std::abort();
    auto again = parse_relocation_map(*out);
    if (!again || *again != *m) std::abort();
  }
  for (auto mt : {oci::kOciIndex, oci::kDockerManifestList}) (void)parse_index(text, mt);
  for (auto mt : {oci::kOciManifest, oci::kDockerManifest}) {
    if (auto c = parse_config_manifest(text, mt)) {
      if (!is_oci_digest(c->digest) || c->size > kMaxBundleBytes) std::abort();
    }
  }
  return 0;
}
