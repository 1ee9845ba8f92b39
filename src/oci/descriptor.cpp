#include "signy/oci/descriptor.hpp"

namespace signy::oci {

bool is_manifest_media_type(std::string_view t) noexcept {
  return t == kOciManifest || t == kOciIndex || t == kDockerManifest || t == kDockerManifestList;
}

bool is_index_media_type(std::string_view t) noexcept { return t == kOciIndex || t == kDockerManifestList; }

}  // namespace signy::oci
