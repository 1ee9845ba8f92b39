// Thick bundles: one pass over the archive (cnab-spec 104), then the OCI image layout checks
// (image-spec image-layout.md, manifest.md, image-index.md, descriptor.md).
#include "signy/cnab/archive.hpp"

#include <cstring>
#include <memory>
#include <unordered_set>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/oci/descriptor.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"
#include "cnab/libarchive.hpp"

namespace signy::cnab {
namespace {

constexpr std::string_view kBlobs = "artifacts/layout/blobs/";
constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";
constexpr int kMaxIndexDepth = 4;  // index -> index -> ... -> manifest
// Longer entry names are refused (PATH_MAX; cnab-go's exports stay far below): libarchive takes
// names up to 1 MiB, and 16,384 of those would be 16 GiB to hold.
constexpr std::size_t kMaxEntryName = 4096;

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// An entry name in an error: escaped, and cut after 200 bytes.
std::string show(std::string_view name) {
  bool cut = name.size() > 200;
  return "\"" + escape_control(name.substr(0, 200)) + (cut ? "...\"" : "\"");
}

Error unsafe(std::string_view name, std::string_view why) {
  return Error{Errc::unsafe_archive, "archive entry " + show(name) + ": " + std::string(why)};
}

// The entry's name without "." and empty components; absolute names and ".." are refused.
Result<std::string> normalise(std::string_view raw) {
  if (raw.empty()) return tl::unexpected(unsafe(raw, "empty name"));
  if (raw.front() == '/') return tl::unexpected(unsafe(raw, "absolute path"));
  std::string out;
  std::size_t i = 0;
  while (i <= raw.size()) {
    std::size_t j = raw.find('/', i);
    if (j == std::string_view::npos) j = raw.size();
    auto part = raw.substr(i, j - i);
    if (part == "..") return tl::unexpected(unsafe(raw, "\"..\" in the path"));
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out;
}

struct ArchiveFree {
  void operator()(struct archive* a) const { lib::archive_read_free(a); }
};

struct Client {
  crypto::ChunkSource* chunks;
  std::uint64_t raw = 0;  // compressed bytes handed to libarchive
};

la_ssize_t read_cb(struct archive*, void* data, const void** buffer) {
  auto* c = static_cast<Client*>(data);
  auto chunk = c->chunks->next();  // valid until the next call, as libarchive requires
  *buffer = chunk.data();
  c->raw += chunk.size();
  return static_cast<la_ssize_t>(chunk.size());
}

// What one pass does with an entry's bytes.
struct EntrySink {
  enum Kind { skip, keep, blob } kind = skip;
  std::string* out = nullptr;  // keep: bundle.json, index.json, oci-layout
  std::uint64_t cap = 0;
  // blob
  std::unique_ptr<crypto::Sha256Hasher> hash;
  std::string json;
  bool json_open = false;  // still collecting: no byte other than whitespace and '{' refused it
};

class Pass {
 public:
  Pass(const ArchiveLimits& limits, ThickArchive& out) : limits_(limits), out_(out) {}

  Status run(crypto::ChunkSource& chunks) {
    std::unique_ptr<struct archive, ArchiveFree> a(lib::archive_read_new());
    if (!a) return fail(Errc::internal, "libarchive: out of memory");
    a_ = a.get();
    // gzip and tar only (cnab-spec 104): the least of libarchive's parsers.
    if (lib::archive_read_support_filter_gzip(a_) != ARCHIVE_OK || lib::archive_read_support_format_tar(a_) != ARCHIVE_OK)
      return fail(Errc::internal, "libarchive: no gzip or tar support");
    // Entries after an end-of-archive marker are read too (as `tar -i` would): a second tar
    // hidden there is checked like the first, and its bundle.json is a duplicate.
    if (lib::archive_read_set_format_option(a_, "tar", "read_concatenated_archives", "1") != ARCHIVE_OK)
      return fail(Errc::internal, "libarchive: no read_concatenated_archives option");
    client_.chunks = &chunks;
    if (lib::archive_read_open(a_, &client_, nullptr, read_cb, nullptr) != ARCHIVE_OK) return corrupt("");
    bool seen_bundle = false;
    for (;;) {
      struct archive_entry* e = nullptr;
      int r = lib::archive_read_next_header(a_, &e);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK) return corrupt(last_name_);
      if (lib::archive_filter_code(a_, 0) != ARCHIVE_FILTER_GZIP)
        return fail(Errc::invalid_bundle, "not a gzip-compressed tar archive (cnab-spec 104)");
      const char* raw = lib::archive_entry_pathname(e);
      if (!raw) return fail(Errc::unsafe_archive, "archive entry " + std::to_string(out_.entries + 1) + ": unreadable name");
      last_name_ = std::string_view(raw).substr(0, 256);
      if (std::strlen(raw) > kMaxEntryName)
        return tl::unexpected(unsafe(raw, "name longer than " + std::to_string(kMaxEntryName) + " bytes"));
      if (++out_.entries > limits_.max_entries)
        return tl::unexpected(unsafe(raw, "more than " + std::to_string(limits_.max_entries) + " entries"));
      auto name = SIGNY_TRY(normalise(raw));
      // Names are remembered by their SHA-256: 32 bytes each, whatever their length.
      auto h = crypto::sha256(as_bytes(name));
      if (!seen_.insert(std::string(reinterpret_cast<const char*>(h.data()), h.size())).second)
        return tl::unexpected(unsafe(raw, "a second entry of this name"));
      SIGNY_TRY_VOID(check_type(e, raw));
      SIGNY_TRY_VOID(check_limits(raw));
      if (lib::archive_entry_filetype(e) == AE_IFDIR) {
        if (name.starts_with(kBlobs) && name != "artifacts/layout/blobs/sha256")
          return tl::unexpected(unsafe(raw, "not a blob directory signy reads (blobs/sha256)"));
        continue;
      }
      std::uint64_t size = lib::archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(lib::archive_entry_size(e)) : 0;
      if (size > limits_.max_uncompressed)
        return tl::unexpected(unsafe(raw, "larger than " + std::to_string(limits_.max_uncompressed) + " bytes"));
      EntrySink sink;
      if (name == "bundle.json") {
        seen_bundle = true;
        sink = keep(&out_.bundle_json, limits_.max_bundle_json, raw, size);
      } else if (name == "artifacts/layout/index.json") {
        sink = keep(&out_.index_json.emplace(), oci::kMaxManifestBytes, raw, size);
      } else if (name == "artifacts/layout/oci-layout") {
        sink = keep(&out_.oci_layout.emplace(), 4096, raw, size);
      } else if (name.starts_with(kBlobs)) {
        auto rest = std::string_view(name).substr(kBlobs.size());
        if (!(rest.size() == 7 + 64 && rest.substr(0, 7) == "sha256/" && is_lower_hex(rest.substr(7))))
          return tl::unexpected(unsafe(raw, "not a blob name signy reads (blobs/sha256/<64 lowercase hex>)"));
        sink.kind = EntrySink::blob;
        sink.hash = std::make_unique<crypto::Sha256Hasher>();
        sink.json_open = size <= oci::kMaxManifestBytes;
      }
      if (sink.kind == EntrySink::keep && sink.cap < size)
        return fail(Errc::too_large, "archive entry " + show(raw) + " is larger than " + std::to_string(sink.cap) + " bytes");
      SIGNY_TRY_VOID(read_data(sink, raw, size));
      if (sink.kind == EntrySink::blob) {
        auto hex = std::string_view(name).substr(name.size() - 64);
        auto got = sink.hash->finish();
        LayoutBlob b;
        b.size = size;
        b.digest_ok = hex_encode(got) == hex;
        if (sink.json_open && !sink.json.empty()) {
          json_total_ += sink.json.size();
          b.json = std::move(sink.json);
        }
        out_.blobs.emplace("sha256:" + std::string(hex), std::move(b));
      }
    }
    if (lib::archive_filter_code(a_, 0) != ARCHIVE_FILTER_GZIP)
      return fail(Errc::invalid_bundle, "not a gzip-compressed tar archive (cnab-spec 104)");
    if (!seen_bundle) return fail(Errc::invalid_bundle, "no bundle.json at the root of the archive (cnab-spec 104)");
    out_.uncompressed_bytes = uncompressed();
    return {};
  }

 private:
  EntrySink keep(std::string* out, std::uint64_t cap, std::string_view, std::uint64_t size) {
    EntrySink s;
    s.kind = EntrySink::keep;
    s.out = out;
    s.cap = cap;
    out->reserve(static_cast<std::size_t>(std::min(size, cap)));
    return s;
  }

  Status corrupt(std::string_view near) {
    std::string why = lib::archive_error_string(a_) ? lib::archive_error_string(a_) : "unreadable";
    std::string where = near.empty() ? "" : " (after entry " + show(near) + ")";
    return fail(Errc::invalid_bundle, "not a readable gzip-compressed tar archive" + where + ": " + escape_control(why));
  }

  // Regular files and directories only.
  Status check_type(struct archive_entry* e, const char* raw) {
    if (lib::archive_entry_hardlink(e)) return tl::unexpected(unsafe(raw, "a hard link (links are refused)"));
    switch (lib::archive_entry_filetype(e)) {
      case AE_IFREG:
        break;
      case AE_IFDIR:
        return {};
      case AE_IFLNK:
        return tl::unexpected(unsafe(raw, "a symbolic link (links are refused)"));
      case AE_IFCHR:
      case AE_IFBLK:
        return tl::unexpected(unsafe(raw, "a device file"));
      case AE_IFIFO:
        return tl::unexpected(unsafe(raw, "a FIFO"));
      case AE_IFSOCK:
        return tl::unexpected(unsafe(raw, "a socket"));
      default:
        return tl::unexpected(unsafe(raw, "not a regular file or a directory"));
    }
    if (lib::archive_entry_sparse_count(e) > 0) return tl::unexpected(unsafe(raw, "a sparse file"));
    return {};
  }

  std::uint64_t uncompressed() const {
    auto f = lib::archive_filter_bytes(a_, 0);
    return std::max<std::uint64_t>(f > 0 ? static_cast<std::uint64_t>(f) : 0, data_bytes_);
  }

  // Size bombs: a cap on the bytes after gunzip, and on their ratio to the bytes read.
  Status check_limits(std::string_view raw) const {
    auto u = uncompressed();
    if (u > limits_.max_uncompressed)
      return tl::unexpected(unsafe(raw, "the archive holds more than " + std::to_string(limits_.max_uncompressed) + " bytes"));
    if (u > limits_.ratio_floor && u / std::max<std::uint64_t>(client_.raw, 1) >= limits_.max_ratio)
      return tl::unexpected(unsafe(raw, "compression ratio over " + std::to_string(limits_.max_ratio) + ":1 (" +
                                            std::to_string(u) + " bytes from " + std::to_string(client_.raw) + ")"));
    return {};
  }

  Status read_data(EntrySink& sink, const char* raw, std::uint64_t size) {
    std::uint64_t pos = 0;
    for (;;) {
      const void* buf = nullptr;
      std::size_t len = 0;
      la_int64_t offset = 0;
      int r = lib::archive_read_data_block(a_, &buf, &len, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK) return corrupt(raw);
      if (offset < 0 || static_cast<std::uint64_t>(offset) != pos)
        return tl::unexpected(unsafe(raw, "a sparse file"));  // a hole: bytes that are not in the archive
      pos += len;
      data_bytes_ += len;
      SIGNY_TRY_VOID(check_limits(raw));
      std::string_view bytes(static_cast<const char*>(buf), len);
      switch (sink.kind) {
        case EntrySink::skip:
          break;
        case EntrySink::keep:
          if (sink.out->size() + len > sink.cap)
            return fail(Errc::too_large, "archive entry " + show(raw) + " is larger than " + std::to_string(sink.cap) + " bytes");
          sink.out->append(bytes);
          break;
        case EntrySink::blob:
          sink.hash->update({static_cast<const std::uint8_t*>(buf), len});
          if (sink.json_open) collect_json(sink, bytes);
          if (sink.json_open && json_total_ + sink.json.size() > limits_.max_json_blobs)
            return fail(Errc::too_large, "archive entry " + show(raw) + ": the layout's small JSON blobs exceed " +
                                             std::to_string(limits_.max_json_blobs) + " bytes together");
          break;
      }
    }
    if (pos != size) return tl::unexpected(unsafe(raw, "a sparse file"));
    return {};
  }

  // Keeps a blob's bytes while they may be a manifest, an index or a config: JSON whitespace
  // then '{'.
  static void collect_json(EntrySink& sink, std::string_view bytes) {
    if (sink.json.find('{') == std::string::npos) {
      for (char c : bytes) {
        if (c == '{') break;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          sink.json_open = false;
          sink.json.clear();
          sink.json.shrink_to_fit();
          return;
        }
      }
    }
    sink.json.append(bytes);
  }

  const ArchiveLimits& limits_;
  ThickArchive& out_;
  struct archive* a_ = nullptr;
  Client client_{};
  std::unordered_set<std::string> seen_;
  std::string last_name_;
  std::uint64_t data_bytes_ = 0;
  std::uint64_t json_total_ = 0;
};

}  // namespace

Result<ThickArchive> read_thick_archive(const crypto::Reader& read, const ArchiveLimits& limits) {
  SIGNY_TRY_VOID(lib::load_archive());
  ThickArchive out;
  Pass pass(limits, out);
  auto digests = SIGNY_TRY(crypto::digest_stream(read, [&](crypto::ChunkSource& chunks) { return pass.run(chunks); }));
  out.digests = digests;
  return out;
}

// ------------------------------------------------------------------------------ image checks
namespace {

// A descriptor from a manifest or index, its fields checked (descriptor.md).
Result<oci::Descriptor> descriptor_of(const cjson::Json& j, const std::string& where) {
  if (!j.is_object()) return fail(Errc::malformed_json, where + ": a descriptor is not an object");
  oci::Descriptor d;
  auto mt = j.find("mediaType");
  auto dg = j.find("digest");
  auto sz = j.find("size");
  if (mt == j.end() || !mt->is_string() || dg == j.end() || !dg->is_string() || sz == j.end() || !sz->is_number_unsigned())
    return fail(Errc::malformed_json, where + ": a descriptor without mediaType, digest or size");
  d.media_type = mt->get<std::string>();
  d.digest = dg->get<std::string>();
  d.size = sz->get<std::uint64_t>();
  if (auto an = j.find("annotations"); an != j.end() && an->is_object())
    for (auto& [k, v] : an->items())
      if (v.is_string()) d.annotations.emplace(k, v.get<std::string>());
  return d;
}

class LayoutCheck {
 public:
  LayoutCheck(const ThickArchive& ar, std::string who) : ar_(ar), who_(std::move(who)) {}

  // The blob a descriptor names: present, of its size, hashing to its name.
  Result<const LayoutBlob*> blob(const oci::Descriptor& d, std::string_view what) {
    if (!oci::is_sha256_digest(d.digest))
      return fail(Errc::missing_image, who_ + ": " + std::string(what) + " " + show(d.digest) +
                                           " is not a sha256 digest (the layout holds blobs/sha256 only)");
    auto it = ar_.blobs.find(d.digest);
    if (it == ar_.blobs.end())
      return fail(Errc::missing_image, who_ + ": " + std::string(what) + " " + d.digest + " is not in the archive's artifacts/layout");
    if (it->second.size != d.size)
      return fail(Errc::length_mismatch, who_ + ": " + std::string(what) + " " + d.digest + " is " +
                                             std::to_string(it->second.size) + " bytes, its descriptor says " + std::to_string(d.size));
    if (!it->second.digest_ok)
      return fail(Errc::hash_mismatch, who_ + ": " + std::string(what) + " " + d.digest + " in the archive does not hash to its name");
    return &it->second;
  }

  // A manifest or index blob (already checked by blob()) and everything it references.
  Status manifest(const LayoutBlob& b, const std::string& digest, std::string_view expected_type, int depth) {
    if (!b.json)
      return fail(Errc::image_mismatch, who_ + ": " + digest + " is not a manifest (" + std::to_string(b.size) + " bytes, not JSON)");
    auto doc = cjson::parse_strict(*b.json, {.max_bytes = oci::kMaxManifestBytes, .max_depth = 64});
    if (!doc) return tl::unexpected(doc.error().context(who_ + ": manifest " + digest));
    if (!doc->is_object()) return fail(Errc::malformed_json, who_ + ": manifest " + digest + " is not a JSON object");
    std::string type;
    if (auto mt = doc->find("mediaType"); mt != doc->end()) {
      if (!mt->is_string()) return fail(Errc::malformed_json, who_ + ": manifest " + digest + ": mediaType is not a string");
      type = mt->get<std::string>();
    } else if (doc->contains("manifests")) {  // mediaType is optional in image-spec 1.0
      type = oci::kOciIndex;
    } else if (doc->contains("config") && doc->contains("layers")) {
      type = oci::kOciManifest;
    } else {
      return fail(Errc::image_mismatch, who_ + ": " + digest + " is not a manifest (no mediaType, manifests, config or layers)");
    }
    if (!expected_type.empty() && type != expected_type)
      return fail(Errc::image_mismatch, who_ + ": manifest " + digest + " is " + show(type) + ", expected " + show(expected_type));
    if (oci::is_index_media_type(type)) {
      if (depth >= kMaxIndexDepth)
        return fail(Errc::too_deep, who_ + ": indexes nested deeper than " + std::to_string(kMaxIndexDepth));
      auto ms = doc->find("manifests");
      if (ms == doc->end() || !ms->is_array()) return fail(Errc::malformed_json, who_ + ": index " + digest + " has no manifests list");
      for (auto& m : *ms) {
        auto d = SIGNY_TRY(descriptor_of(m, who_ + ": index " + digest));
        auto child = SIGNY_TRY(blob(d, "manifest"));
        if (oci::is_manifest_media_type(d.media_type)) SIGNY_TRY_VOID(manifest(*child, d.digest, d.media_type, depth + 1));
      }
      return {};
    }
    if (type != oci::kOciManifest && type != oci::kDockerManifest)
      return fail(Errc::unsupported_media_type, who_ + ": manifest " + digest + " is of type " + show(type));
    auto cfg = doc->find("config");
    auto layers = doc->find("layers");
    if (cfg == doc->end() || layers == doc->end() || !layers->is_array())
      return fail(Errc::malformed_json, who_ + ": manifest " + digest + " has no config or layers");
    auto c = SIGNY_TRY(descriptor_of(*cfg, who_ + ": manifest " + digest));
    SIGNY_TRY_VOID(blob(c, "config"));
    for (auto& l : *layers) {
      auto d = SIGNY_TRY(descriptor_of(l, who_ + ": manifest " + digest));
      SIGNY_TRY_VOID(blob(d, "layer"));
    }
    return {};
  }

 private:
  const ThickArchive& ar_;
  std::string who_;
};

bool same_name(const oci::Reference& a, const oci::Reference& b) {
  return a.domain == b.domain && a.path == b.path && a.tag == b.tag;
}

}  // namespace

Result<std::vector<VerifiedImage>> check_thick_images(const ThickArchive& ar, const std::vector<NamedImage>& images,
                                                      bool allow_unpinned, std::vector<std::string>& warnings) {
  std::vector<VerifiedImage> out;
  if (images.empty()) return out;
  if (!ar.oci_layout || !ar.index_json)
    return fail(Errc::missing_image, "the archive has no OCI image layout (artifacts/layout/oci-layout and index.json)");
  {
    auto layout = cjson::parse_strict(*ar.oci_layout);
    if (!layout) return tl::unexpected(layout.error().context("artifacts/layout/oci-layout"));
    auto v = layout->is_object() ? layout->find("imageLayoutVersion") : layout->end();
    if (v == layout->end() || !v->is_string() || v->get<std::string>() != "1.0.0")
      return fail(Errc::unsupported_value, "artifacts/layout/oci-layout: imageLayoutVersion is not \"1.0.0\"");
  }
  auto index = cjson::parse_strict(*ar.index_json, {.max_bytes = oci::kMaxManifestBytes, .max_depth = 64});
  if (!index) return tl::unexpected(index.error().context("artifacts/layout/index.json"));
  auto ims = index->is_object() ? index->find("manifests") : index->end();
  if (ims == index->end() || !ims->is_array()) return fail(Errc::malformed_json, "artifacts/layout/index.json has no manifests list");
  // The index.json entries a runtime finds by name (cnab-go ocilayout: the normalised reference).
  std::vector<std::pair<oci::Reference, oci::Descriptor>> named;
  for (auto& m : *ims) {
    auto d = SIGNY_TRY(descriptor_of(m, "artifacts/layout/index.json"));
    auto an = d.annotations.find(std::string(kRefName));
    if (an == d.annotations.end()) continue;
    auto r = oci::parse_reference(an->second);
    if (r && !r->digest) named.emplace_back(std::move(*r), std::move(d));
  }

  for (const auto& ni : images) {
    const auto& img = ni.image;
    std::string who = "image " + ni.name + " (" + escape_control(img.image) + ")";
    auto ref = oci::parse_reference(img.image);
    if (!ref) return tl::unexpected(ref.error().context(who));
    LayoutCheck check(ar, who);
    std::string digest;
    std::string type = img.media_type.value_or("");
    if (img.content_digest) {
      digest = *img.content_digest;
      if (!oci::is_sha256_digest(digest))
        return fail(Errc::invalid_bundle, who + ": contentDigest " + show(digest) + " is not sha256:<64 lowercase hex>");
      if (ref->digest && *ref->digest != digest)
        return fail(Errc::image_mismatch, who + ": the reference's digest differs from contentDigest " + digest);
    } else if (!allow_unpinned) {
      return fail(Errc::unpinned_image, who + " has no contentDigest (--allow-unpinned accepts it)");
    } else if (ref->digest) {  // unpinned, allowed: the digest in `image`, which no signature covers as contentDigest
      digest = *ref->digest;
      warnings.push_back(who + " has no contentDigest: using the digest in its reference");
    }
    for (const auto& [r, d] : named) {
      if (!same_name(r, *ref)) continue;
      if (digest.empty()) {  // unpinned, allowed: what the layout names it
        digest = d.digest;
        if (type.empty()) type = d.media_type;
        warnings.push_back(who + " has no contentDigest: using the archive's " + escape_control(d.digest) + ", which no signature covers");
      } else if (d.digest != digest) {
        return fail(Errc::image_mismatch, who + ": the layout's index.json names it " + escape_control(d.digest) + ", the bundle " + digest);
      }
      if (d.media_type != type && !type.empty())
        return fail(Errc::image_mismatch, who + ": the layout's index.json gives it media type " + show(d.media_type) + ", the bundle " + show(type));
    }
    if (digest.empty()) return fail(Errc::missing_image, who + " has no contentDigest and the archive's index.json does not name it");
    auto it = ar.blobs.find(digest);
    if (it == ar.blobs.end())
      return fail(Errc::missing_image, who + ": manifest " + digest + " is not in the archive's artifacts/layout");
    if (!it->second.digest_ok) return fail(Errc::hash_mismatch, who + ": manifest " + digest + " in the archive does not hash to its name");
    if (img.size && *img.size != it->second.size)
      return fail(Errc::image_mismatch, who + ": manifest " + digest + " is " + std::to_string(it->second.size) +
                                            " bytes, the bundle says " + std::to_string(*img.size));
    SIGNY_TRY_VOID(check.manifest(it->second, digest, type, 0));
    out.push_back(VerifiedImage{ni.name, img.image, ref->domain + "/" + ref->path + "@" + digest});
  }
  return out;
}

}  // namespace signy::cnab
