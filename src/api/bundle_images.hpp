// Checks of the images a verified bundle.json names (private to api/; issue 8 item 3, cnab-spec
// 101 "contentDigest ... runtime MUST verify"): each resolved in its registry, or through a
// relocation map, and compared with the signed contentDigest, size and mediaType.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "api/registries.hpp"
#include "signy/api/api.hpp"
#include "signy/cnab/bundle.hpp"
#include "signy/oci/reference.hpp"

namespace signy::api {

// The relocation map a user named, read before anything is downloaded; none when not named.
Result<std::optional<cnab::RelocationMap>> load_relocation_map(const ImageOptions& options);

// An image without contentDigest: Errc::unpinned_image, or with allow_unpinned a warning.
Status check_pinned(const cnab::NamedImage& image, bool allow_unpinned, std::vector<std::string>& warnings);

struct ResolvedImage {
  cnab::VerifiedImage verified;
  oci::Reference location;     // where it was resolved (the image, or its relocated reference)
  oci::Descriptor descriptor;  // as the registry serves it
};
// Resolves the image where the map (if any) says it lives, else at its own reference (by its tag,
// or by its digest when it names one), and compares digest, size and media type with bundle.json.
Result<ResolvedImage> resolve_image(Registries& registries, const cnab::NamedImage& image, const cnab::RelocationMap* map,
                                    bool allow_unpinned, std::vector<std::string>& warnings);

}  // namespace signy::api
