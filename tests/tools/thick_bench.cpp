// bench/thick.sh's driver until `signy verify --thick --local` calls the same code: opens FILE as
// verify does (FileReader), makes the one pass (cnab::read_thick_archive: outer SHA-256 + SHA-512,
// gunzip, tar, every blob hashed) and checks every image of its bundle.json
// (cnab::check_thick_images), then prints the outer digests and one `name@sha256:...` per image.
// The images are taken out of bundle.json with nlohmann here only: the bundle model is
// cnab/bundle.hpp's. Usage: signy-thick-bench FILE
#include <cstdio>

#include <nlohmann/json.hpp>

#include "signy/cnab/archive.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"

using namespace signy;

namespace {
std::vector<cnab::NamedImage> images_of(const std::string& bundle_json) {
  auto j = nlohmann::json::parse(bundle_json);
  auto one = [](const nlohmann::json& o) {
    cnab::BaseImage b;
    b.image = o.at("image").get<std::string>();
    if (o.contains("contentDigest")) b.content_digest = o.at("contentDigest").get<std::string>();
    if (o.contains("size")) b.size = o.at("size").get<std::uint64_t>();
    if (o.contains("mediaType")) b.media_type = o.at("mediaType").get<std::string>();
    return b;
  };
  std::vector<cnab::NamedImage> out;
  for (std::size_t i = 0; i < j.at("invocationImages").size(); ++i)
    out.push_back({"invocationImages[" + std::to_string(i) + "]", one(j["invocationImages"][i]), true});
  if (j.contains("images"))
    for (auto& [k, v] : j["images"].items()) out.push_back({k, one(v), false});
  return out;
}

int die(const Error& e) {
  std::fprintf(stderr, "signy-thick-bench: %s\n", e.message.c_str());
  return exit_code(e.category());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: signy-thick-bench FILE\n");
    return 2;
  }
  auto reader = FileReader::open(argv[1]);
  if (!reader) return die(reader.error());
  auto ar = cnab::read_thick_archive([&](std::span<std::uint8_t> buf) { return reader->read(buf); });
  if (!ar) return die(ar.error());
  std::vector<std::string> warnings;
  auto images = cnab::check_thick_images(*ar, images_of(ar->bundle_json), false, warnings);
  if (!images) return die(images.error());
  std::printf("length %llu\nsha256 %s\nsha512 %s\n", static_cast<unsigned long long>(ar->digests.length),
              hex_encode(ar->digests.sha256).c_str(), hex_encode(ar->digests.sha512).c_str());
  std::printf("entries %zu, blobs %zu, uncompressed %llu bytes\n", ar->entries, ar->blobs.size(),
              static_cast<unsigned long long>(ar->uncompressed_bytes));
  for (const auto& v : *images) std::printf("%s %s\n", v.name.c_str(), v.reference.c_str());
  return 0;
}
