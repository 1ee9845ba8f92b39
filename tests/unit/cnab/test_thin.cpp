// cnab-to-oci's registry layout byte for byte (fixtures/oci/README.md says where each vector
// comes from), and the reading of pulled indexes and config manifests, with every bad variant.
#include <catch2/catch.hpp>

#include "signy/cnab/thin.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::cnab;
using cjson::Json;

namespace {

oci::Descriptor desc(std::string mt, std::string digest, std::uint64_t size) {
  oci::Descriptor d;
  d.media_type = std::move(mt);
  d.digest = std::move(digest);
  d.size = size;
  return d;
}

// The registry descriptors of a bundle's images when the registry holds exactly what bundle.json
// says (what the api supplies after resolving them).
ImageDescriptors images_as_declared(const Bundle& b) {
  ImageDescriptors out;
  const auto& inv = b.invocation_images.at(0);
  out.invocation = desc(*inv.media_type, *inv.content_digest, *inv.size);
  for (const auto& [name, c] : b.images)
    out.components[name] = desc(*c.image.media_type, *c.image.content_digest, *c.image.size);
  return out;
}

struct Vector {
  std::string bundle, config_manifest, index;
  std::string config_digest;
  std::uint64_t config_size;
};
Vector test_vector() {
  return {fixture("oci/bundle.canonical.json"), fixture("oci/config-manifest.oci.json"), fixture("oci/index.oci.json"),
          "sha256:dbe3480b9cb300f389e8d02e4a682f9107772468feb6845f912dc8deed6d76fd", 1596};
}
Vector e2e_vector() {
  return {fixture("oci/e2e-escaping.bundle.canonical.json"), fixture("oci/e2e-escaping.config-manifest.json"),
          fixture("oci/e2e-escaping.index.json"),
          "sha256:c5122b04728f94ccaf7c7a71a7b46e43e13ec9a3ce38bc2d0fd31db2474f5564", 716};
}

std::string error_of(const Result<ThinIndex>& r) {
  return r ? std::string("accepted") : std::string(errc_name(r.error().code)) + ": " + r.error().message;
}

}  // namespace

TEST_CASE("config manifests: cnab-to-oci's three forms byte for byte") {
  auto v = test_vector();
  REQUIRE(v.bundle.size() == v.config_size);
  auto oci_form = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_cnab_config).value();
  CHECK(oci_form.bytes == v.config_manifest);
  CHECK(oci_form.descriptor.media_type == oci::kOciManifest);
  CHECK(oci_form.descriptor.digest == "sha256:122a5dc186ec285488de9d25e99c96a11d3f7ff71c6e05a06c98e8627472a920");
  CHECK(oci_form.descriptor.size == 189);

  auto schema2 = make_config_manifest(v.config_digest, v.config_size, ConfigForm::docker_schema2).value();
  CHECK(schema2.bytes == fixture("oci/config-manifest.schema2-fallback.json"));
  CHECK(schema2.descriptor.media_type == oci::kDockerManifest);
  CHECK(schema2.descriptor.digest == "sha256:2e1d4789d0a80f5a28aa8c3e53d4698d6d8c2495af9360d69d6394de50cc13d9");
  CHECK(schema2.descriptor.size == 522);

  // The second form differs from the first in the config media type only (no vector of its own).
  auto image_config = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_image_config).value();
  std::string expected = v.config_manifest;
  expected.replace(expected.find(kCnabConfig), kCnabConfig.size(), oci::kOciConfig);
  CHECK(image_config.bytes == expected);
  CHECK(image_config.descriptor.media_type == oci::kOciManifest);

  auto e = e2e_vector();
  auto e2e = make_config_manifest(e.config_digest, e.config_size, ConfigForm::oci_cnab_config).value();
  CHECK(e2e.bytes == e.config_manifest);
  CHECK(e2e.descriptor.digest == "sha256:92c31b05762e8c2b1fdd1f27d2a7389324e30b1230a8e60199ceb2aa60a02523");

  CHECK(kConfigFallbacks[0] == ConfigForm::oci_cnab_config);
  CHECK(kConfigFallbacks[2] == ConfigForm::docker_schema2);
  for (const char* bad : {"sha256:abc", "sha512:" "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", ""}) {
    auto r = make_config_manifest(bad, 1, ConfigForm::oci_cnab_config);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::internal);
  }
}

TEST_CASE("the index: cnab-to-oci's test bundle and the escaping bundle byte for byte") {
  for (auto v : {test_vector(), e2e_vector()}) {
    auto b = parse_bundle(v.bundle).value();
    auto cm = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_cnab_config).value();
    auto ix = make_index(b, cm.descriptor, images_as_declared(b), IndexForm::oci_index).value();
    CHECK(ix.bytes == v.index);
    CHECK(ix.descriptor.media_type == oci::kOciIndex);
    CHECK(ix.descriptor.size == v.index.size());
  }
  auto v = test_vector();
  auto b = parse_bundle(v.bundle).value();
  auto cm = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_cnab_config).value();
  auto ix = make_index(b, cm.descriptor, images_as_declared(b), IndexForm::oci_index).value();
  CHECK(ix.descriptor.digest == "sha256:00043ca96c3c9470fc0f647c67613ddf500941556d1ecc14d75bc9b2834f66c3");
  CHECK(ix.descriptor.size == 1360);
  // The manifest-list fallback: the vector's key position is UNVERIFIED (derived, not executed).
  auto list = make_index(b, cm.descriptor, images_as_declared(b), IndexForm::docker_manifest_list).value();
  CHECK(list.bytes == fixture("oci/index.manifestlist-fallback.UNVERIFIED.json"));
  CHECK(list.descriptor.media_type == oci::kDockerManifestList);
  CHECK(list.descriptor.digest == "sha256:a519b50f6162e2c7191b3fbfeb8bc5a920eb1d40012317f627aa5d5187314db1");
}

TEST_CASE("index annotations follow Go: HTML escapes, nested JSON, absent fields") {
  auto v = test_vector();
  Json d = Json::parse(v.bundle);
  d["description"] = "a\"b\\c\n<&>\x7f\u2028";
  d["maintainers"] = Json::parse(R"([{"name":"<x>","email":""},{"name":"y","url":"u&v"}])");
  d.erase("keywords");
  auto b = parse_bundle(d.dump()).value();
  auto cm = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_cnab_config).value();
  auto ix = make_index(b, cm.descriptor, images_as_declared(b), IndexForm::oci_index).value();
  CHECK(ix.bytes.find(R"("org.opencontainers.image.description":"a\"b\\c\n\u003c\u0026\u003e)" "\x7f" R"(\u2028")") != std::string::npos);
  CHECK(ix.bytes.find(R"("org.opencontainers.image.authors":"[{\"name\":\"\\u003cx\\u003e\"},{\"name\":\"y\",\"url\":\"u\\u0026v\"}]")") != std::string::npos);
  CHECK(ix.bytes.find("io.cnab.keywords") == std::string::npos);
  // Present but empty: Go marshals an empty slice.
  d["keywords"] = Json::array();
  d.erase("description");
  b = parse_bundle(d.dump()).value();
  ix = make_index(b, cm.descriptor, images_as_declared(b), IndexForm::oci_index).value();
  CHECK(ix.bytes.find(R"("io.cnab.keywords":"[]")") != std::string::npos);
  CHECK(ix.bytes.find(R"("org.opencontainers.image.description":"")") != std::string::npos);
  // Read back: the same annotations, unescaped.
  auto parsed = parse_index(ix.bytes, oci::kOciIndex).value();
  CHECK(parsed.annotations.at("org.opencontainers.image.title") == "my-app");
  CHECK(parsed.annotations.at("org.opencontainers.image.authors") ==
        R"([{"name":"\u003cx\u003e"},{"name":"y","url":"u\u0026v"}])");
}

TEST_CASE("make_index refuses what cnab-to-oci's layout cannot hold") {
  auto v = test_vector();
  auto b = parse_bundle(v.bundle).value();
  auto cm = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_cnab_config).value().descriptor;
  auto two = b;
  two.invocation_images.push_back(two.invocation_images[0]);
  auto r = make_index(two, cm, images_as_declared(b), IndexForm::oci_index);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::invalid_bundle);
  CHECK_THAT(r.error().message, Catch::Contains("exactly one invocation image, the bundle has 2"));

  auto missing = images_as_declared(b);
  missing.components.erase("image-1");
  r = make_index(b, cm, missing, IndexForm::oci_index);
  REQUIRE(!r);
  CHECK(r.error().message == "index: no registry descriptor for component image \"image-1\"");

  auto extra = images_as_declared(b);
  extra.components["other"] = extra.invocation;
  r = make_index(b, cm, extra, IndexForm::oci_index);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::invalid_bundle);
  CHECK(r.error().message == "index: component image \"other\" is not in the bundle's images");

  auto layer = images_as_declared(b);
  layer.invocation.media_type = "application/vnd.oci.image.layer.v1.tar";
  r = make_index(b, cm, layer, IndexForm::oci_index);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsupported_media_type);

  auto zero = images_as_declared(b);
  zero.components["image-1"].size = 0;
  CHECK(!make_index(b, cm, zero, IndexForm::oci_index));
  auto bad_digest = images_as_declared(b);
  bad_digest.components["image-1"].digest = "sha256:1234";
  CHECK(!make_index(b, cm, bad_digest, IndexForm::oci_index));
  auto cm_index = cm;
  cm_index.media_type = oci::kOciIndex;
  CHECK(!make_index(b, cm_index, images_as_declared(b), IndexForm::oci_index));
}

TEST_CASE("a pulled index: config, invocation and components found, in any position") {
  auto v = test_vector();
  auto ix = parse_index(v.index, oci::kOciIndex).value();
  CHECK(ix.config.digest == "sha256:122a5dc186ec285488de9d25e99c96a11d3f7ff71c6e05a06c98e8627472a920");
  CHECK(ix.config.size == 189);
  CHECK(ix.config.media_type == oci::kOciManifest);
  REQUIRE(ix.invocations.size() == 1);
  CHECK(ix.invocations[0].digest == "sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0343");
  CHECK(ix.invocations[0].media_type == oci::kDockerManifest);
  CHECK(ix.invocations[0].size == 506);
  REQUIRE(ix.components.size() == 2);
  CHECK(ix.components.at("image-1").digest == "sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0341");
  CHECK(ix.components.at("another-image").size == 507);
  CHECK(ix.manifests.size() == 4);
  CHECK(ix.annotations.at("io.cnab.runtime_version") == "v1.0.0");
  CHECK(ix.annotations.at("org.opencontainers.artifactType") == kCnabArtifactType);

  auto list = parse_index(fixture("oci/index.manifestlist-fallback.UNVERIFIED.json"), oci::kDockerManifestList).value();
  CHECK(list.config.digest == ix.config.digest);
  // cnab-to-oci's index has no mediaType, so it reads under either index type.
  CHECK(parse_index(v.index, oci::kDockerManifestList));
  auto e2e = parse_index(e2e_vector().index, oci::kOciIndex).value();
  CHECK(e2e.annotations.at("org.opencontainers.image.description") == "A <short> & sweet bundle");
  CHECK(e2e.components.count("web") == 1);
  // The config descriptor need not come first; the first one of type config wins.
  Json d = Json::parse(v.index);
  std::swap(d["manifests"][0], d["manifests"][3]);
  Json second = d["manifests"][3];
  second["digest"] = "sha256:" + std::string(64, 'f');
  d["manifests"].push_back(second);
  auto moved = parse_index(d.dump(), oci::kOciIndex).value();
  CHECK(moved.config.digest == ix.config.digest);
  CHECK(moved.manifests.size() == 5);
}

TEST_CASE("every bad index variant is refused with its own error") {
  const std::string good = test_vector().index;
  struct Case {
    const char* pointer;
    const char* value;  // JSON; "DELETE" removes the member
    const char* error;
  };
  for (auto c : std::initializer_list<Case>{
           {"/schemaVersion", "1", "malformed_json: bundle index: schemaVersion is not 2"},
           {"/schemaVersion", "DELETE", "malformed_json: bundle index: schemaVersion is not 2"},
           {"/schemaVersion", "\"2\"", "malformed_json: bundle index: schemaVersion is not 2"},
           {"/manifests", "DELETE", "malformed_json: bundle index: no manifests array"},
           {"/manifests", "{}", "malformed_json: bundle index: no manifests array"},
           {"/manifests", "[]", "invalid_bundle: bundle index: no config manifest (io.cnab.manifest.type=config)"},
           {"/annotations", "[]", "malformed_json: bundle index.annotations: not an object"},
           {"/annotations/io.cnab.keywords", "[]", "malformed_json: bundle index.annotations: value of \"io.cnab.keywords\" is not a string"},
           {"/mediaType", "1", "malformed_json: bundle index: mediaType is not a string"},
           {"/mediaType", "\"application/vnd.oci.image.manifest.v1+json\"",
            "unsupported_media_type: bundle index: body says mediaType application/vnd.oci.image.manifest.v1+json, served as application/vnd.oci.image.index.v1+json"},
           {"/manifests/1", "\"x\"", "malformed_json: bundle index.manifests[1]: not an object"},
           {"/manifests/1/mediaType", "DELETE", "malformed_json: bundle index.manifests[1]: no mediaType string"},
           {"/manifests/1/digest", "DELETE", "malformed_json: bundle index.manifests[1]: no digest string"},
           {"/manifests/1/digest", "\"sha256:D59A\"", "malformed_json: bundle index.manifests[1]: digest is not sha256:<64 hex> or sha512:<128 hex>: sha256:D59A"},
           {"/manifests/1/size", "DELETE", "malformed_json: bundle index.manifests[1]: no size (a non-negative integer)"},
           {"/manifests/1/size", "-1", "malformed_json: bundle index.manifests[1]: no size (a non-negative integer)"},
           {"/manifests/1/size", "1.5", "malformed_json: bundle index.manifests[1]: no size (a non-negative integer)"},
           {"/manifests/1/annotations", "\"x\"", "malformed_json: bundle index.manifests[1].annotations: not an object"},
           {"/manifests/1/annotations/io.cnab.manifest.type", "1", "malformed_json: bundle index.manifests[1].annotations: value of \"io.cnab.manifest.type\" is not a string"},
           {"/manifests/1/mediaType", "\"application/vnd.oci.image.layer.v1.tar+gzip\"",
            "unsupported_media_type: bundle index.manifests[1]: not a manifest media type: application/vnd.oci.image.layer.v1.tar+gzip"},
           {"/manifests/0/mediaType", "\"application/vnd.cnab.config.v1+json\"",
            "unsupported_media_type: bundle index.manifests[0]: not a manifest media type: application/vnd.cnab.config.v1+json"},
           {"/manifests/0/mediaType", "\"application/vnd.oci.image.index.v1+json\"",
            "unsupported_media_type: bundle index.manifests[0]: the config manifest is an index: application/vnd.oci.image.index.v1+json"},
           {"/manifests/0/annotations", "DELETE", "invalid_bundle: bundle index.manifests[0]: no io.cnab.manifest.type annotation"},
           {"/manifests/0/annotations/io.cnab.manifest.type", "\"invocation\"",
            "invalid_bundle: bundle index: no config manifest (io.cnab.manifest.type=config)"},
           {"/manifests/1/annotations", "{}", "invalid_bundle: bundle index.manifests[1]: no io.cnab.manifest.type annotation"},
           {"/manifests/1/annotations/io.cnab.manifest.type", "\"layer\"", "invalid_bundle: bundle index.manifests[1]: unknown io.cnab.manifest.type \"layer\""},
           {"/manifests/2/annotations/io.cnab.component.name", "DELETE",
            "invalid_bundle: bundle index.manifests[2]: component without a io.cnab.component.name annotation"},
           {"/manifests/3/annotations/io.cnab.component.name", "\"another-image\"",
            "invalid_bundle: bundle index.manifests[3]: component \"another-image\" listed twice"},
       }) {
    Json d = Json::parse(good);
    Json::json_pointer p(c.pointer);
    if (std::string(c.value) == "DELETE") d[p.parent_pointer()].erase(p.back());
    else d[p] = Json::parse(c.value);
    INFO(c.pointer << " = " << c.value);
    CHECK(error_of(parse_index(d.dump(), oci::kOciIndex)) == c.error);
  }
  // Served as something else than an index.
  CHECK(error_of(parse_index(good, oci::kOciManifest)) ==
        "unsupported_media_type: bundle index: served as application/vnd.oci.image.manifest.v1+json, not an OCI index or Docker manifest list");
  CHECK(error_of(parse_index(good, "text/html\x1b[31m")) ==
        "unsupported_media_type: bundle index: served as text/html\\x1b[31m, not an OCI index or Docker manifest list");
  // The manifest list's mediaType served as an OCI index.
  CHECK_THAT(error_of(parse_index(fixture("oci/index.manifestlist-fallback.UNVERIFIED.json"), oci::kOciIndex)),
             Catch::StartsWith("unsupported_media_type: bundle index: body says mediaType application/vnd.docker.distribution.manifest.list.v2+json"));
  // JSON-level.
  CHECK_THAT(error_of(parse_index(good.substr(0, good.size() - 1), oci::kOciIndex)), Catch::StartsWith("malformed_json: bundle index: "));
  CHECK_THAT(error_of(parse_index("[]", oci::kOciIndex)), Catch::StartsWith("malformed_json: bundle index: not a JSON object"));
  std::string dup = good;
  dup.replace(dup.find("{\"schemaVersion\":2"), 18, "{\"schemaVersion\":2,\"schemaVersion\":2");
  CHECK_THAT(error_of(parse_index(dup, oci::kOciIndex)), Catch::StartsWith("duplicate_key: bundle index: "));
  std::string big = good;
  big.insert(big.size() - 1, ",\"x\":\"" + std::string(oci::kMaxManifestBytes, 'a') + "\"");
  CHECK_THAT(error_of(parse_index(big, oci::kOciIndex)), Catch::StartsWith("too_large: bundle index: "));
}

TEST_CASE("config manifests read back in every form and config media type") {
  auto v = test_vector();
  auto oci_form = parse_config_manifest(v.config_manifest, oci::kOciManifest).value();
  CHECK(oci_form.media_type == kCnabConfig);
  CHECK(oci_form.digest == v.config_digest);
  CHECK(oci_form.size == v.config_size);
  auto schema2 = parse_config_manifest(fixture("oci/config-manifest.schema2-fallback.json"), oci::kDockerManifest).value();
  CHECK(schema2.media_type == oci::kDockerConfig);
  CHECK(schema2.digest == v.config_digest);
  auto image_config = make_config_manifest(v.config_digest, v.config_size, ConfigForm::oci_image_config).value();
  CHECK(parse_config_manifest(image_config.bytes, oci::kOciManifest).value().media_type == oci::kOciConfig);
  std::string spec_type = v.config_manifest;
  spec_type.replace(spec_type.find(kCnabConfig), kCnabConfig.size(), kCnabSpecConfig);
  CHECK(parse_config_manifest(spec_type, oci::kOciManifest).value().media_type == kCnabSpecConfig);

  auto err = [](const std::string& bytes, std::string_view mt) {
    auto r = parse_config_manifest(bytes, mt);
    return r ? std::string("accepted") : std::string(errc_name(r.error().code)) + ": " + r.error().message;
  };
  CHECK(err(v.config_manifest, oci::kOciIndex) ==
        "unsupported_media_type: bundle config manifest: served as application/vnd.oci.image.index.v1+json, not an OCI or Docker schema2 manifest");
  CHECK_THAT(err(fixture("oci/config-manifest.schema2-fallback.json"), oci::kOciManifest),
             Catch::StartsWith("unsupported_media_type: bundle config manifest: body says mediaType application/vnd.docker.distribution.manifest.v2+json"));
  std::string layer = v.config_manifest;
  layer.replace(layer.find(kCnabConfig), kCnabConfig.size(), "application/vnd.oci.image.layer.v1.tar");
  CHECK(err(layer, oci::kOciManifest) ==
        "unsupported_media_type: bundle config manifest: config media type application/vnd.oci.image.layer.v1.tar is not a CNAB bundle config");
  Json d = Json::parse(v.config_manifest);
  d["config"]["size"] = kMaxBundleBytes + 1;
  CHECK(err(d.dump(), oci::kOciManifest) == "too_large: bundle config manifest: config blob of 4194305 bytes is over the limit of 4194304");
  d = Json::parse(v.config_manifest);
  d.erase("config");
  CHECK(err(d.dump(), oci::kOciManifest) == "malformed_json: bundle config manifest: no config");
  d = Json::parse(v.config_manifest);
  d["config"]["digest"] = "sha256:xyz";
  CHECK_THAT(err(d.dump(), oci::kOciManifest), Catch::StartsWith("malformed_json: bundle config manifest.config: digest is not"));
  d = Json::parse(v.config_manifest);
  d["layers"] = "none";
  CHECK(err(d.dump(), oci::kOciManifest) == "malformed_json: bundle config manifest.layers: not an array");
  d["schemaVersion"] = 1;
  CHECK(err(d.dump(), oci::kOciManifest) == "malformed_json: bundle config manifest: schemaVersion is not 2");
  CHECK_THAT(err("{", oci::kOciManifest), Catch::StartsWith("malformed_json: bundle config manifest: "));
}

TEST_CASE("a relocation map from a pulled index, as cnab-to-oci's pull makes it") {
  auto v = test_vector();
  auto b = parse_bundle(v.bundle).value();
  auto ix = parse_index(v.index, oci::kOciIndex).value();
  const std::string repo = "my.registry/namespace/my-app";
  auto m = relocation_map_from_index(ix, b, repo).value();
  CHECK(m == RelocationMap{
                 {"my.registry/namespace/my-app-invoc", repo + "@sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0343"},
                 {"my.registry/namespace/another-image", repo + "@sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0342"},
                 {"my.registry/namespace/image-1", repo + "@sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0341"},
             });
  // What it writes is a relocation map signy reads.
  CHECK(parse_relocation_map(write_relocation_map(m).value()).value() == m);

  auto err = [&](const ThinIndex& i, const Bundle& bb) {
    auto r = relocation_map_from_index(i, bb, repo);
    return r ? std::string("accepted") : std::string(errc_name(r.error().code)) + ": " + r.error().message;
  };
  auto none = ix;
  none.invocations.clear();
  CHECK(err(none, b) == "invalid_bundle: bundle index: 0 invocation image descriptors, cnab-to-oci's layout has exactly one");
  auto two = ix;
  two.invocations.push_back(two.invocations[0]);
  CHECK(err(two, b) == "invalid_bundle: bundle index: 2 invocation image descriptors, cnab-to-oci's layout has exactly one");
  auto unknown = ix;
  unknown.components["ghost"] = unknown.components.at("image-1");
  CHECK(err(unknown, b) == "invalid_bundle: bundle index: component \"ghost\" is not in the bundle's images");
  // Two components naming the same image: fine with one digest, refused with two.
  auto same = b;
  same.images.at("image-1").image.image = "my.registry/namespace/another-image";
  CHECK_THAT(err(ix, same), Catch::StartsWith("invalid_bundle: images[\"image-1\"]: image \"my.registry/namespace/another-image\" is listed in the index with two different digests"));
  auto same_digest = ix;
  same_digest.components.at("image-1").digest = same_digest.components.at("another-image").digest;
  CHECK(relocation_map_from_index(same_digest, same, repo).value().size() == 2);
  // A component the index leaves out is left out.
  auto fewer = ix;
  fewer.components.erase("image-1");
  CHECK(relocation_map_from_index(fewer, b, repo).value().count("my.registry/namespace/image-1") == 0);
}
