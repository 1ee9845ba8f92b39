// bundle.json (cnab-spec 101) as a typed model, checked against what the CNAB bundle schema
// (cnab-spec schema/bundle.schema.json) requires, with typed checks instead of a generic JSON
// Schema validator; and Porter's relocation-mapping.json (cnab-spec 103,
// schema/relocation-mapping.schema.json).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/cjson/cjson.hpp"
#include "signy/cnab/image.hpp"
#include "signy/util/result.hpp"

namespace signy::cnab {

// bundle.json files larger than this are refused unread (the spec examples are under 3 KiB,
// cnab-to-oci's test bundle 1.6 KiB; a registry serves manifests up to 4 MiB).
inline constexpr std::size_t kMaxBundleBytes = 4u << 20;
// relocation-mapping.json: one entry per image, a few hundred bytes each.
inline constexpr std::size_t kMaxRelocationMapBytes = 1u << 20;

struct Maintainer {
  std::string name;
  std::optional<std::string> email;
  std::optional<std::string> url;
};

// An entry of `images` (101 "The Image Map"): the image fields plus a description.
struct ComponentImage {
  BaseImage image;
  std::optional<std::string> description;
};

struct Bundle {
  std::string schema_version;
  std::string name;
  std::string version;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> keywords;        // present (even empty) or absent
  std::optional<std::vector<Maintainer>> maintainers;      // idem
  std::vector<BaseImage> invocation_images;                // at least one (101)
  std::map<std::string, ComponentImage> images;            // component name -> image
  cjson::Json raw;  // the whole parsed document: actions, parameters, definitions, custom, ...
};

// Parses bundle.json strictly (duplicate keys, invalid UTF-8, more than kMaxBundleBytes refused)
// and checks what the bundle schema requires: the required fields, each field's JSON type, the
// top level's additionalProperties: false, the `version` and output `path` patterns, the image,
// action, parameter, credential, output and maintainer objects, and every definition as a
// draft-07 JSON Schema (the keyword types of cnab-spec 101 "Definitions"). Also 101's "at least
// one invocation image". Errc::invalid_bundle naming the JSON path of the first violation
// ("invocationImages[0].image: required"); JSON errors keep their own codes.
// Not checked, because the schema does not require it: that contentDigest is an OCI digest (the
// spec's own examples hold "sha256:aaaa..."; see check_image_digests), that a parameter's
// definition exists, SemVer beyond the schema's unanchored pattern.
Result<Bundle> parse_bundle(std::string_view bytes);

// The bundle is its own RFC 8785 form (what cnab-go's Bundle.Marshal writes): Errc::not_canonical
// with the offset of the first differing byte. signy signs and pushes the bytes it is given, so a
// thin bundle must already be canonical.
Status check_thin_canonical(std::string_view bytes);

// Every contentDigest present is an OCI digest signy can compare ("sha256:" + 64 lowercase hex
// or "sha512:" + 128): Errc::invalid_bundle naming the image otherwise. Registry and archive
// checks call this before comparing (101: "MUST contain a digest, in OCI format").
Status check_image_digests(const Bundle& bundle);

// "sha256:" + 64 lowercase hex digits, or "sha512:" + 128 (image-spec descriptor.md, registered
// algorithms).
bool is_oci_digest(std::string_view digest) noexcept;

// The images a runtime may run: the invocation images first ("invocationImages[0]", ...), then
// the components in name order (std::map order, bytewise, as cnab-to-oci sorts them).
std::vector<NamedImage> images_of(const Bundle& bundle);

// Porter's relocation-mapping.json: original image reference (bundle.json's `image`, verbatim)
// -> the digest-pinned reference where it now lives.
using RelocationMap = std::map<std::string, std::string>;

// Parses strictly (kMaxRelocationMapBytes): an object of strings (the 103 schema), each key
// non-empty and each value a reference with a digest (oci::parse_reference grammar plus
// "@sha256:<hex>"): Errc::invalid_bundle naming the key otherwise.
Result<RelocationMap> parse_relocation_map(std::string_view bytes);
// The map as RFC 8785 bytes (as cnab-to-oci's pull writes it).
Result<std::string> write_relocation_map(const RelocationMap& map);

}  // namespace signy::cnab
