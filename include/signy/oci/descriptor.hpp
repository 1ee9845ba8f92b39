// OCI content descriptors and the manifest media types signy reads and writes (image-spec v1.1
// descriptor.md, media-types.md; Docker schema2 and manifest list for registries that use them).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace signy::oci {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

// Manifests and indexes larger than this are refused before they are read (distribution refuses
// bodies over 4 MiB; containerd 4,393,216 bytes).
inline constexpr std::uint64_t kMaxManifestBytes = 4u << 20;

// One of the four manifest types above.
bool is_manifest_media_type(std::string_view media_type) noexcept;
// An index or a manifest list.
bool is_index_media_type(std::string_view media_type) noexcept;

// "sha256:" and 64 lowercase hex digits: the only digest signy fetches or stores blobs by.
bool is_sha256_digest(std::string_view digest) noexcept;

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 lowercase hex>"
  std::uint64_t size = 0;
  std::map<std::string, std::string> annotations;
};

}  // namespace signy::oci
