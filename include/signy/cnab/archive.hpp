// Thick bundles (cnab-spec 104): a gzipped tar with bundle.json at its root and the bundle's
// images under artifacts/layout/ as an OCI image layout (image-spec image-layout.md).
//
// read_thick_archive makes ONE pass over the file: the bytes go through the outer SHA-256 and
// SHA-512 (crypto::digest_stream) and, from the same read, into libarchive (gzip + tar only),
// whatever the order of the entries. Nothing is extracted or written anywhere; blobs are hashed
// while they stream and never held. What it keeps is small: bundle.json's bytes, the size and
// hash verdict of every blob, and the bytes of the layout's small JSON blobs (the candidates for
// manifests, indexes and configs), index.json and oci-layout.
//
// Refused with Errc::unsafe_archive, one line naming the entry (escaped): absolute paths, ".."
// components, every symbolic and hard link (an export never writes one, and signy reads names,
// it never resolves them: a link could only make a name mean another entry's bytes), device,
// FIFO and socket entries, sparse entries, a name seen twice (after removing "." components and
// empty ones: "./bundle.json" and "bundle.json" are one name; entries after an end-of-archive
// marker are read too, as `tar -i` would), more entries than a cap,
// uncompressed bytes over a cap or over a compression ratio (a gzip bomb), a name under
// artifacts/layout/blobs/ other than blobs/sha256/<64 lowercase hex>. A truncated or corrupt
// archive is Errc::invalid_bundle.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signy/cnab/bundle.hpp"
#include "signy/cnab/image.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/util/result.hpp"

namespace signy::cnab {

struct ArchiveLimits {
  std::size_t max_entries = 16384;                    // an export holds one entry per blob and dir
  std::uint64_t max_uncompressed = 64ull << 30;       // tar bytes after gunzip
  std::uint64_t max_ratio = 100;                      // uncompressed / compressed, beyond...
  std::uint64_t ratio_floor = 64u << 20;              // ...this many uncompressed bytes
  std::uint64_t max_bundle_json = kMaxBundleBytes;    // what parse_bundle reads (bundle.hpp)
  std::uint64_t max_json_blobs = 16u << 20;           // all small JSON blobs kept, together
};

// One artifacts/layout/blobs/sha256/<hex> entry.
struct LayoutBlob {
  std::uint64_t size = 0;
  bool digest_ok = false;           // its sha256 is the one its name says
  std::optional<std::string> json;  // its bytes, when it may be JSON (<= oci::kMaxManifestBytes, '{' first)
};

// What the pass kept.
struct ThickArchive {
  crypto::Digests digests;                 // of the whole file, as read
  std::string bundle_json;                 // the bytes of /bundle.json, as they are in the archive
  std::optional<std::string> oci_layout;   // artifacts/layout/oci-layout
  std::optional<std::string> index_json;   // artifacts/layout/index.json
  std::map<std::string, LayoutBlob> blobs; // by digest, "sha256:<hex>"
  std::size_t entries = 0;
  std::uint64_t uncompressed_bytes = 0;
};

// One pass over a thick bundle read through `read` (e.g. a FileReader with the signed length as
// its limit). Errors: the reader's, unsafe_archive (see above), invalid_bundle (not a gzipped tar,
// truncated, corrupt, no bundle.json), too_large (bundle.json, index.json, oci-layout over their
// caps, or the small JSON blobs together over max_json_blobs).
Result<ThickArchive> read_thick_archive(const crypto::Reader& read, const ArchiveLimits& limits = {});

// Checks the bundle's images against the archive's OCI layout and returns the digest-pinned
// references a runtime must run, in the order given. Each image must have a contentDigest
// (Errc::unpinned_image naming it; with allow_unpinned the layout's index.json entry named by the
// image's normalised reference is used instead, and a warning says so) and a manifest blob of
// exactly that digest (missing_image), of the bundle's size and mediaType when given
// (image_mismatch), whose config and layers, and for an index its child manifests (depth <= 4),
// are present (missing_image), of their descriptor's size (length_mismatch) and hash correctly
// (hash_mismatch). An index.json entry naming the image with another digest is image_mismatch
// (a runtime loading the layout by name would run it). reference = "<domain>/<path>@<digest>".
Result<std::vector<VerifiedImage>> check_thick_images(const ThickArchive& archive, const std::vector<NamedImage>& images,
                                                      bool allow_unpinned, std::vector<std::string>& warnings);

}  // namespace signy::cnab
