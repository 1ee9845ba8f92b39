#include "signy/oci/descriptor.hpp"

namespace signy::oci {

bool is_manifest_media_type(std::string_view t) noexcept {
  return t == kOciManifest || t == kOciIndex || t == kDockerManifest || t == kDockerManifestList;
}

bool is_index_media_type(std::string_view t) noexcept { return t == kOciIndex || t == kDockerManifestList; }

bool is_sha256_digest(std::string_view d) noexcept {
  return d.size() == 71 && d.substr(0, 7) == "sha256:" && d.substr(7).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace signy::oci
