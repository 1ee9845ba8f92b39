// Thin bundles in OCI registries, in cnab-to-oci's layout byte for byte (cnab-spec 200/201;
// cnab-to-oci converter/convert.go and converter/types.go): the bundle.json bytes as the config
// blob, a config manifest pointing at it (three forms, tried in order when a registry refuses
// one), and the index the tag points at, listing the config manifest, the invocation image and
// the component images with `io.cnab.*` annotations. And the reverse: reading a pulled index and
// config manifest. No I/O: the registry client moves the bytes.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "signy/cnab/bundle.hpp"
#include "signy/oci/descriptor.hpp"
#include "signy/util/result.hpp"

namespace signy::cnab {

// The config blob's media type cnab-to-oci writes, and the one cnab-spec 201 names (read only).
inline constexpr std::string_view kCnabConfig = "application/vnd.cnab.config.v1+json";
inline constexpr std::string_view kCnabSpecConfig = "application/vnd.cnab.bundle.config.v1+json";
inline constexpr std::string_view kCnabArtifactType = "application/vnd.cnab.manifest.v1";

// Index annotations (cnab-to-oci converter/convert.go).
inline constexpr std::string_view kManifestTypeAnnotation = "io.cnab.manifest.type";  // config, invocation, component
inline constexpr std::string_view kComponentNameAnnotation = "io.cnab.component.name";

// The config manifest forms, in the order cnab-to-oci tries them when a push fails:
//  oci_cnab_config:   OCI manifest, config type kCnabConfig, compact, no mediaType, "layers":null
//  oci_image_config:  the same with config type application/vnd.oci.image.config.v1+json
//                     (registries with manifest class policies refuse the CNAB config type)
//  docker_schema2:    Docker schema2 with mediaType, config type
//                     application/vnd.docker.container.image.v1+json, layers = [config],
//                     Go MarshalIndent with a 3-space indent
enum class ConfigForm { oci_cnab_config, oci_image_config, docker_schema2 };
inline constexpr std::array<ConfigForm, 3> kConfigFallbacks = {
    ConfigForm::oci_cnab_config, ConfigForm::oci_image_config, ConfigForm::docker_schema2};

// The index forms: the OCI index, then (when the registry refuses it) the same with a trailing
// "mediaType" of a Docker manifest list, pushed with that media type.
enum class IndexForm { oci_index, docker_manifest_list };

// Bytes to push and their descriptor (media type to send as Content-Type, sha256, size).
struct Manifest {
  std::string bytes;
  oci::Descriptor descriptor;
};

// The config blob's media type in a config manifest of this form.
std::string_view config_media_type(ConfigForm form) noexcept;

// The config manifest for a config blob (the bundle.json bytes) of this digest and size.
// Errc::internal when the digest is not "sha256:<64 lowercase hex>" (the caller computed it).
Result<Manifest> make_config_manifest(std::string_view blob_digest, std::uint64_t blob_size, ConfigForm form);

// The registry descriptors of the bundle's images, in the bundle's repository (digest, size and
// media type as the registry reports them; annotations are ignored and set by make_index).
struct ImageDescriptors {
  oci::Descriptor invocation;
  std::map<std::string, oci::Descriptor> components;  // by the component's key in `images`
};

// The index (Go encoding/json bytes: struct key order, HTML-escaped strings, annotation keys
// sorted; descriptors config, invocation, components by name; annotations from the bundle's
// schemaVersion, name, version, description, maintainers and keywords).
// Errc::invalid_bundle when the bundle has more than one invocation image (cnab-to-oci supports
// one) or the components differ from the bundle's `images`; Errc::unsupported_media_type for a
// descriptor that is not a manifest or index; Errc::internal for a malformed digest or size 0.
Result<Manifest> make_index(const Bundle& bundle, const oci::Descriptor& config_manifest,
                            const ImageDescriptors& images, IndexForm form);

// A pulled index (or manifest list), the reverse of make_index.
struct ThinIndex {
  oci::Descriptor config;                          // the first descriptor of type "config"
  std::vector<oci::Descriptor> invocations;        // type "invocation", in index order
  std::map<std::string, oci::Descriptor> components;  // type "component", by io.cnab.component.name
  std::vector<oci::Descriptor> manifests;          // every descriptor, in index order
  std::map<std::string, std::string> annotations;  // the index's own
};

// Parses the bytes a registry served as `media_type` (kMaxManifestBytes at most, strict JSON).
// Refused: a media type that is not an OCI index or Docker manifest list, or a body whose
// mediaType says otherwise, or a descriptor of a non-manifest type (Errc::unsupported_media_type);
// schemaVersion other than 2, a missing or mistyped field, a malformed digest
// (Errc::malformed_json); no config descriptor, a config descriptor that is an index, a
// descriptor without io.cnab.manifest.type or with an unknown value, a component without its
// name or named twice (Errc::invalid_bundle).
Result<ThinIndex> parse_index(std::string_view bytes, std::string_view media_type);

// Where a pulled bundle's images are, by its index (cnab-to-oci converter.GenerateRelocationMap):
// invocationImages[0].image and each listed component's `image` -> "<repository>@<digest of its
// descriptor>" (repository as "domain/path"). Components the index does not list are left out.
// Errc::invalid_bundle when the index has no invocation descriptor or more than one, lists a
// component the bundle does not name, or when two of the bundle's images with the same `image`
// would map to different digests.
Result<RelocationMap> relocation_map_from_index(const ThinIndex& index, const Bundle& bundle,
                                                std::string_view repository);

// Parses a config manifest served as `media_type` (OCI or Docker schema2 manifest) and returns
// its config descriptor, whose media type must be one of kCnabConfig, kCnabSpecConfig, the OCI
// image config or the Docker container config (Errc::unsupported_media_type otherwise) and whose
// size is at most kMaxBundleBytes (Errc::too_large).
Result<oci::Descriptor> parse_config_manifest(std::string_view bytes, std::string_view media_type);

}  // namespace signy::cnab
