// The image fields of bundle.json (cnab-spec 101 "Invocation Images" and "The Image Map"): what
// a runtime must check before it runs an image. Shared by the bundle model (bundle.hpp), the
// registry checks and the thick-archive checks (archive.hpp).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace signy::cnab {

struct BaseImage {
  std::string image_type = "oci";  // "oci" or "docker" (any other value is kept, not understood)
  std::string image;               // a reference, resolvable by the runtime
  std::optional<std::string> content_digest;  // "sha256:<hex>": the manifest's digest
  std::optional<std::uint64_t> size;          // the manifest's length in bytes
  std::optional<std::string> media_type;      // the manifest's media type
  std::map<std::string, std::string> labels;
};

// One image a bundle names, as the checks report it: `name` is "invocationImages[0]" for an
// invocation image and the key in `images` for a component image.
struct NamedImage {
  std::string name;
  BaseImage image;
  bool invocation = false;
};

// What the checks found: the digest-pinned reference a runtime must run ("repo@sha256:...").
struct VerifiedImage {
  std::string name;       // as NamedImage::name
  std::string image;      // bundle.json's `image`
  std::string reference;  // digest-pinned: where the verified manifest is
};

}  // namespace signy::cnab
