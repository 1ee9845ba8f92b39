// Thick bundles (cnab/archive.hpp): one pass over real archives (fixtures/cnab/thick/good.tgz, OCI
// layouts made by umoci, scripts/gen-thick-fixtures.sh) and over hostile variants that
// scripts/thick_layout.py crafts from it with Python's tarfile when the tests start.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "signy/cnab/archive.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::cnab;
namespace fs = std::filesystem;

namespace {

const std::string& good_bytes() {
  static const std::string b = fixture("cnab/thick/good.tgz");
  return b;
}

// The hostile variants, made once per test run.
const fs::path& hostile_dir() {
  static TempDir dir;
  static const bool made = [] {
    std::string cmd = "python3 '" + (fs::path(SIGNY_FIXTURES) / "../scripts/thick_layout.py").string() + "' hostile '" +
                      (fs::path(SIGNY_FIXTURES) / "cnab/thick/good.tgz").string() + "' '" + dir.path().string() + "'";
    return std::system(cmd.c_str()) == 0;
  }();
  if (!made) throw std::runtime_error("scripts/thick_layout.py hostile failed");
  return dir.path();
}

// Reads bytes in pieces of at most `piece` (short reads, as a pipe or a slow disk gives them).
Result<ThickArchive> read_bytes(const std::string& bytes, const ArchiveLimits& limits = {}, std::size_t piece = 7000) {
  std::size_t off = 0;
  return read_thick_archive(
      [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        std::size_t n = std::min({buf.size(), bytes.size() - off, piece});
        std::copy_n(bytes.data() + off, n, buf.data());
        off += n;
        return n;
      },
      limits);
}

Result<ThickArchive> read_variant(const std::string& name, const ArchiveLimits& limits = {}) {
  auto reader = FileReader::open(hostile_dir() / name);
  if (!reader) throw std::runtime_error("no variant " + name);
  return read_thick_archive([&](std::span<std::uint8_t> buf) { return reader->read(buf); }, limits);
}

// The images of a bundle.json, taken out with nlohmann for the tests only (the bundle model is
// cnab/bundle.hpp's).
std::vector<NamedImage> images_of(const std::string& bundle_json) {
  auto j = nlohmann::json::parse(bundle_json);
  auto one = [](const nlohmann::json& o) {
    BaseImage b;
    b.image_type = o.value("imageType", "oci");
    b.image = o.at("image").get<std::string>();
    if (o.contains("contentDigest")) b.content_digest = o.at("contentDigest").get<std::string>();
    if (o.contains("size")) b.size = o.at("size").get<std::uint64_t>();
    if (o.contains("mediaType")) b.media_type = o.at("mediaType").get<std::string>();
    return b;
  };
  std::vector<NamedImage> out;
  for (std::size_t i = 0; i < j.at("invocationImages").size(); ++i)
    out.push_back({"invocationImages[" + std::to_string(i) + "]", one(j["invocationImages"][i]), true});
  if (j.contains("images"))
    for (auto& [k, v] : j["images"].items()) out.push_back({k, one(v), false});
  return out;
}

const std::vector<NamedImage>& good_images() {
  static const auto v = images_of(fixture("cnab/thick/bundle.json"));
  return v;
}

std::string expected_reference(const NamedImage& ni) {
  auto at = ni.image.image.rfind(':');
  return ni.image.image.substr(0, at) + "@" + *ni.image.content_digest;
}

void check_good(const ThickArchive& ar) {
  CHECK(ar.bundle_json == fixture("cnab/thick/bundle.json"));
  CHECK(ar.blobs.size() == 7);
  for (const auto& [d, b] : ar.blobs) {
    INFO(d);
    CHECK(b.digest_ok);
  }
  REQUIRE(ar.index_json);
  REQUIRE(ar.oci_layout);
  CHECK(*ar.oci_layout == "{\"imageLayoutVersion\":\"1.0.0\"}\n");  // as umoci writes it
  std::vector<std::string> warnings;
  auto v = check_thick_images(ar, good_images(), false, warnings);
  REQUIRE(v);
  CHECK(warnings.empty());
  REQUIRE(v->size() == 2);
  CHECK((*v)[0].name == "invocationImages[0]");
  CHECK((*v)[0].image == "localhost:5000/signy/app-installer:v1");
  CHECK((*v)[0].reference == expected_reference(good_images()[0]));
  CHECK((*v)[0].reference.starts_with("localhost:5000/signy/app-installer@sha256:"));
  CHECK((*v)[1].name == "web");
  CHECK((*v)[1].reference == expected_reference(good_images()[1]));
}

Error read_error(const std::string& variant, const ArchiveLimits& limits = {}) {
  auto r = read_variant(variant, limits);
  if (r) FAIL(variant + " was accepted");
  return r.error();
}

Error check_error(const ThickArchive& ar, const std::vector<NamedImage>& images, bool allow_unpinned = false) {
  std::vector<std::string> warnings;
  auto r = check_thick_images(ar, images, allow_unpinned, warnings);
  if (r) FAIL("the images were accepted");
  return r.error();
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("thick archive: the fixture is read in one pass, its outer digests and images checked") {
  auto ar = read_bytes(good_bytes());
  REQUIRE(ar);
  auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(good_bytes().data()), good_bytes().size());
  CHECK(ar->digests.length == good_bytes().size());
  CHECK(ar->digests.sha256 == crypto::sha256(bytes));
  CHECK(ar->digests.sha512 == crypto::sha512(bytes));
  CHECK(ar->entries == 14);  // 10 files (good.entries) and the directories artifacts/, layout/, blobs/, sha256/
  check_good(*ar);
  // One byte at a time, and in chunks larger than the file: the same result.
  check_good(read_bytes(good_bytes(), {}, 1).value());
  check_good(read_bytes(good_bytes(), {}, 1 << 20).value());
}

TEST_CASE("thick archive: entries in any order, and ./ names, read the same") {
  check_good(read_variant("reverse.tgz").value());
  check_good(read_variant("dotslash.tgz").value());
}

TEST_CASE("thick archive: unsafe entries are refused with one line naming the entry") {
  struct Case {
    const char* file;
    const char* entry;
    const char* why;
  };
  for (const Case& c : {Case{"traversal.tgz", "\"../evil\"", "\"..\" in the path"},
                        Case{"traversal_inner.tgz", "\"artifacts/../../evil\"", "\"..\" in the path"},
                        Case{"absolute.tgz", "\"/etc/evil\"", "absolute path"},
                        Case{"symlink.tgz", "\"artifacts/layout/evil\"", "a symbolic link"},
                        Case{"symlink_inside.tgz", "\"artifacts/alias.json\"", "a symbolic link"},
                        Case{"hardlink.tgz", "\"artifacts/evil\"", "a hard link"},
                        Case{"device.tgz", "\"artifacts/null\"", "a device file"},
                        Case{"blockdev.tgz", "\"artifacts/sda\"", "a device file"},
                        Case{"fifo.tgz", "\"artifacts/fifo\"", "a FIFO"},
                        Case{"dup_bundle.tgz", "\"bundle.json\"", "a second entry of this name"},
                        Case{"dup_bundle_dotslash.tgz", "\"bundle.json\"", "a second entry of this name"},
                        Case{"hidden_after_end.tgz", "\"bundle.json\"", "a second entry of this name"},
                        Case{"blob_name_upper.tgz", "\"artifacts/layout/blobs/sha256/AAAA", "not a blob name signy reads"},
                        Case{"blob_name_sha512.tgz", "\"artifacts/layout/blobs/sha512", "not a blob"}}) {
    INFO(c.file);
    auto e = read_error(c.file);
    CHECK(e.code == Errc::unsafe_archive);
    CHECK(has(e.message, std::string("archive entry ") + c.entry));
    CHECK(has(e.message, c.why));
    CHECK(e.message.find('\n') == std::string::npos);
  }
}

TEST_CASE("thick archive: control bytes in an entry name are escaped in the error") {
  auto e = read_error("traversal_escape.tgz");
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(e.message == R"(archive entry "../\x1b]0;pwned\x07\nsigny: ok": ".." in the path)");
}

TEST_CASE("thick archive: a gzip bomb is refused by its compression ratio, early") {
  auto e = read_error("bomb.tgz");
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(has(e.message, "archive entry \"artifacts/zeros\": compression ratio over 100:1"));
  // A lower ratio floor catches it sooner; a cap on the total catches it whatever the ratio.
  ArchiveLimits l;
  l.max_ratio = 1000000;
  l.max_uncompressed = 1 << 20;
  e = read_error("bomb.tgz", l);
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(has(e.message, "archive entry \"artifacts/zeros\": larger than 1048576 bytes"));  // by its header, before inflating
}

TEST_CASE("thick archive: caps on entries, total size, bundle.json and the kept JSON blobs") {
  ArchiveLimits l;
  l.max_entries = 5;
  auto e = read_bytes(good_bytes(), l).error();
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(has(e.message, "more than 5 entries"));
  l = {};
  l.max_uncompressed = 4096;
  e = read_bytes(good_bytes(), l).error();
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(has(e.message, "more than 4096 bytes"));
  l = {};
  l.max_json_blobs = 600;  // the fixture keeps 2 manifests, 2 configs and an index
  e = read_bytes(good_bytes(), l).error();
  CHECK(e.code == Errc::too_large);
  CHECK(has(e.message, "small JSON blobs exceed 600 bytes"));
  // Names and pax records are held by libarchive: it refuses those over 1 MiB.
  for (const char* f : {"pax_header_bomb.tgz", "long_name.tgz"}) {
    INFO(f);
    e = read_error(f);
    CHECK(e.code == Errc::invalid_bundle);
    CHECK(has(e.message, "Special header too large"));
  }
  // Names under libarchive's cap but long: refused at kMaxEntryName, so the names held (to find
  // duplicates) stay small whatever the entry count.
  e = read_error("long_names.tgz");
  CHECK(e.code == Errc::unsafe_archive);
  CHECK(has(e.message, "name longer than 4096 bytes"));
  CHECK(e.message.size() < 400);
  e = read_error("big_bundle_json.tgz");
  CHECK(e.code == Errc::too_large);
  CHECK(has(e.message, "archive entry \"bundle.json\" is larger than 4194304 bytes"));
}

TEST_CASE("thick archive: layers are hashed, never kept, small JSON blobs are kept") {
  auto ar = read_bytes(good_bytes()).value();
  int kept = 0;
  for (const auto& [d, b] : ar.blobs) {
    if (b.json) {
      ++kept;
      CHECK(b.json->front() == '{');
      CHECK(b.json->size() == b.size);
    }
  }
  CHECK(kept == 5);  // 2 manifests, 2 configs, 1 index; the 2 gzip layers are not
}

TEST_CASE("thick archive: truncated, corrupt, uncompressed or bundle-less archives are refused") {
  for (const char* f : {"truncated.tgz", "corrupt.tgz", "plain.tar", "no_bundle.tgz"}) {
    INFO(f);
    auto e = read_error(f);
    CHECK(e.code == Errc::invalid_bundle);
    CHECK(e.message.find('\n') == std::string::npos);
  }
  CHECK(has(read_error("plain.tar").message, "not a gzip-compressed tar archive"));
  CHECK(has(read_error("no_bundle.tgz").message, "no bundle.json at the root"));
  CHECK(read_bytes("").error().code == Errc::invalid_bundle);
  CHECK(read_bytes("hello, world").error().code == Errc::invalid_bundle);
}

TEST_CASE("thick archive: the reader's error wins over what the archive reader made of the cut") {
  std::size_t off = 0;
  auto r = read_thick_archive([&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    if (off > 1000) return fail(Errc::io_error, "disk on fire");
    std::size_t n = std::min<std::size_t>(buf.size(), 500);
    std::copy_n(good_bytes().data() + off, n, buf.data());
    off += n;
    return n;
  });
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message == "disk on fire");
}

TEST_CASE("thick images: a damaged, short or missing layer, a missing manifest, a swapped index.json entry") {
  struct Case {
    const char* file;
    Errc code;
    const char* part;
  };
  for (const Case& c : {Case{"damaged_layer.tgz", Errc::hash_mismatch, "layer sha256:"},
                        Case{"short_layer.tgz", Errc::length_mismatch, "its descriptor says"},
                        Case{"missing_layer.tgz", Errc::missing_image, "layer sha256:"},
                        Case{"missing_image.tgz", Errc::missing_image, "manifest sha256:"},
                        Case{"swapped_index.tgz", Errc::image_mismatch, "the layout's index.json names it"}}) {
    INFO(c.file);
    auto ar = read_variant(c.file);
    REQUIRE(ar);  // the archive itself is well-formed
    auto e = check_error(*ar, good_images());
    CHECK(e.code == c.code);
    CHECK(has(e.message, "image invocationImages[0] (localhost:5000/signy/app-installer:v1)"));
    CHECK(has(e.message, c.part));
  }
}

TEST_CASE("thick images: contentDigest, size and mediaType must be the layout's") {
  auto ar = read_bytes(good_bytes()).value();
  auto images = good_images();
  SECTION("unpinned: refused, or with allow_unpinned the layout's entry and a warning") {
    images[1].image.content_digest.reset();
    auto e = check_error(ar, images);
    CHECK(e.code == Errc::unpinned_image);
    CHECK(e.message == "image web (localhost:5000/signy/web:v1) has no contentDigest (--allow-unpinned accepts it)");
    std::vector<std::string> warnings;
    auto v = check_thick_images(ar, images, true, warnings).value();
    CHECK(v[1].reference == expected_reference(good_images()[1]));
    REQUIRE(warnings.size() == 1);
    CHECK(has(warnings[0], "image web (localhost:5000/signy/web:v1) has no contentDigest: using the archive's sha256:"));
  }
  SECTION("unpinned and not named in index.json: missing") {
    images[1].image.content_digest.reset();
    images[1].image.image = "localhost:5000/signy/other:v1";
    images[1].image.media_type.reset();
    CHECK(check_error(ar, images, true).code == Errc::missing_image);
  }
  SECTION("another digest") {
    images[0].image.content_digest = "sha256:" + std::string(64, 'e');
    auto e = check_error(ar, images);
    CHECK(e.code == Errc::image_mismatch);  // index.json names the image with its real digest
    images[0].image.image = "localhost:5000/signy/unnamed:v1";
    e = check_error(ar, images);
    CHECK(e.code == Errc::missing_image);
    CHECK(has(e.message, "manifest sha256:eeee"));
  }
  SECTION("another size") {
    *images[0].image.size += 1;
    auto e = check_error(ar, images);
    CHECK(e.code == Errc::image_mismatch);
    CHECK(has(e.message, "bytes, the bundle says"));
  }
  SECTION("another media type") {
    images[1].image.media_type = "application/vnd.oci.image.manifest.v1+json";
    auto e = check_error(ar, images);
    CHECK(e.code == Errc::image_mismatch);
    CHECK(has(e.message, "media type"));
  }
  SECTION("a contentDigest that is not sha256:<64 lowercase hex>") {
    images[0].image.content_digest = "sha256:" + std::string(64, 'E');
    CHECK(check_error(ar, images).code == Errc::invalid_bundle);
  }
  SECTION("a digest in the reference that differs from contentDigest") {
    images[0].image.image = "localhost:5000/signy/app-installer@sha256:" + std::string(64, 'a');
    CHECK(check_error(ar, images).code == Errc::image_mismatch);
  }
  SECTION("a config blob named as the image: not a manifest") {
    auto manifest = nlohmann::json::parse(*ar.blobs.at(*images[0].image.content_digest).json);
    images[0].image.content_digest = manifest["config"]["digest"].get<std::string>();
    images[0].image.size = manifest["config"]["size"].get<std::uint64_t>();
    images[0].image.media_type.reset();
    images[0].image.image = "localhost:5000/signy/unnamed:v1";
    auto e = check_error(ar, images);
    CHECK(e.code == Errc::image_mismatch);
    CHECK(has(e.message, "is not a manifest"));
  }
  SECTION("no layout at all") {
    auto bare = ar;
    bare.index_json.reset();
    CHECK(check_error(bare, images).code == Errc::missing_image);
    std::vector<std::string> w;
    CHECK(check_thick_images(bare, {}, false, w).value().empty());  // a bundle without images needs none
  }
}
