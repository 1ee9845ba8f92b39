// Fuzzes the thick-bundle reader (cnab::read_thick_archive: libarchive gzip + tar fed through the
// digest tap) and the image checks (cnab::check_thick_images) over whatever layout it kept.
// Invariants checked: the outer digests are those of the input; every blob kept as JSON is no
// larger than its blob and the caps; an image accepted has a reference pinned to its digest.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "signy/cnab/archive.hpp"
#include "signy/oci/descriptor.hpp"

using namespace signy;
using namespace signy::cnab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ArchiveLimits limits;  // small caps: an input is at most a few MiB once inflated
  limits.max_entries = 256;
  limits.max_uncompressed = 8u << 20;
  limits.ratio_floor = 1u << 20;
  limits.max_bundle_json = 1u << 20;
  limits.max_json_blobs = 2u << 20;
  std::size_t off = 0;
  auto ar = read_thick_archive(
      [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        std::size_t n = std::min<std::size_t>({buf.size(), size - off, 4099});  // odd pieces
        std::memcpy(buf.data(), data + off, n);
        off += n;
        return n;
      },
      limits);
  if (!ar) return 0;
  if (ar->digests.length != size || ar->digests.sha256 != crypto::sha256({data, size})) std::abort();
  if (ar->bundle_json.size() > limits.max_bundle_json || ar->entries > limits.max_entries) std::abort();
  std::uint64_t kept = 0;
  std::vector<NamedImage> images;
  for (const auto& [digest, blob] : ar->blobs) {
    if (blob.json) {
      if (blob.json->size() != blob.size || blob.size > oci::kMaxManifestBytes) std::abort();
      kept += blob.size;
      BaseImage b;
      b.image = "localhost:5000/fuzz:v1";
      b.content_digest = digest;
      images.push_back({"image" + std::to_string(images.size()), b, false});
    }
  }
  if (kept > limits.max_json_blobs) std::abort();
  std::vector<std::string> warnings;
  for (const auto& one : images) {
    auto v = check_thick_images(*ar, {one}, false, warnings);
    if (v && (v->size() != 1 || (*v)[0].reference != "localhost:5000/fuzz@" + *one.image.content_digest)) std::abort();
  }
  return 0;
}
