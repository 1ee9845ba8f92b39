// The bundle model against cnab-spec schema/bundle.schema.json: the spec's example bundles and
// cnab-to-oci's test bundle pass, and each schema rule has a variant that breaks it.
#include <catch2/catch.hpp>

#include "signy/cnab/bundle.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::cnab;
using cjson::Json;

namespace {

// cnab-to-oci's MakeTestBundle as cnab-go writes it (fixtures/oci/README.md).
std::string test_bundle() { return fixture("oci/bundle.canonical.json"); }
Json test_doc() { return Json::parse(test_bundle()); }

// The error of parsing doc after mutate, as "code: message".
std::string error_of(const Json& doc) {
  auto r = parse_bundle(doc.dump());
  if (r) return "accepted";
  return std::string(errc_name(r.error().code)) + ": " + r.error().message;
}

}  // namespace

TEST_CASE("cnab-spec's example bundles pass the schema checks") {
  for (const char* f : {"101.01-bundle.json", "101.02-bundle.json", "101.03-bundle.json"}) {
    INFO(f);
    auto b = parse_bundle(fixture(std::string("cnab/spec/") + f));
    REQUIRE(b);
    CHECK(b->name == "helloworld");
    CHECK(b->schema_version == "v1.0.0");
    REQUIRE(b->invocation_images.size() == 1);
    CHECK(b->invocation_images[0].image_type == "docker");
    REQUIRE(b->images.count("my-microservice") == 1);
    CHECK(b->maintainers.has_value() == (std::string(f) != "101.02-bundle.json"));
    // Pretty-printed: not what signy signs.
    auto c = check_thin_canonical(fixture(std::string("cnab/spec/") + f));
    REQUIRE(!c);
    CHECK(c.error().code == Errc::not_canonical);
    // Their digests are placeholders ("sha256:aaaaaaa..."): valid for the schema, not comparable.
    auto d = check_image_digests(*b);
    REQUIRE(!d);
    CHECK(d.error().code == Errc::invalid_bundle);
    CHECK_THAT(d.error().message, Catch::StartsWith("invocationImages[0].contentDigest: not an OCI digest"));
  }
  auto b = parse_bundle(fixture("cnab/spec/101.02-bundle.json")).value();
  CHECK(b.version == "1.0.0");
  CHECK(b.invocation_images[0].size == 1337u);
  CHECK(b.invocation_images[0].media_type == "application/vnd.docker.distribution.manifest.v2+json");
  CHECK(b.invocation_images[0].labels.at("os") == "linux");
  CHECK(b.images.at("my-microservice").description == "helloworld microservice");
  CHECK(b.raw.at("parameters").at("backend_port").at("destination").at("path") == "/path/to/backend_port");
}

TEST_CASE("cnab-to-oci's test bundle: typed fields, canonical, images in order") {
  auto b = parse_bundle(test_bundle()).value();
  CHECK(b.name == "my-app");
  CHECK(b.version == "0.1.0");
  CHECK(b.description == "description");
  CHECK(b.keywords == std::vector<std::string>{"keyword1", "keyword2"});
  REQUIRE(b.maintainers);
  REQUIRE(b.maintainers->size() == 1);
  CHECK((*b.maintainers)[0].name == "docker");
  CHECK((*b.maintainers)[0].email == "docker@docker.com");
  CHECK((*b.maintainers)[0].url == "docker.com");
  CHECK(check_thin_canonical(test_bundle()));
  CHECK(check_image_digests(b));
  auto imgs = images_of(b);
  REQUIRE(imgs.size() == 3);
  CHECK(imgs[0].name == "invocationImages[0]");
  CHECK(imgs[0].invocation);
  CHECK(imgs[0].image.image == "my.registry/namespace/my-app-invoc");
  CHECK(imgs[0].image.content_digest == "sha256:d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0343");
  CHECK(imgs[0].image.size == 506u);
  CHECK(imgs[1].name == "another-image");
  CHECK(!imgs[1].invocation);
  CHECK(imgs[2].name == "image-1");
  CHECK(imgs[2].image.image == "my.registry/namespace/image-1");

  // signy's own thin fixture (npm canonicalize) passes too.
  auto own = parse_bundle(fixture("cnab/bundle.json"));
  REQUIRE(own);
  CHECK(check_thin_canonical(fixture("cnab/bundle.json")));
  CHECK(!check_thin_canonical(fixture("cnab/bundle.pretty.json")));
  CHECK(parse_bundle(fixture("cnab/bundle.pretty.json")));

  auto e2e = parse_bundle(fixture("oci/e2e-escaping.bundle.canonical.json")).value();
  CHECK(e2e.description == "A <short> & sweet bundle");
  CHECK(check_thin_canonical(fixture("oci/e2e-escaping.bundle.canonical.json")));
}

TEST_CASE("an image without imageType is oci, the schema's default") {
  Json d = test_doc();
  d["invocationImages"][0].erase("imageType");
  d["invocationImages"][0].erase("contentDigest");
  auto b = parse_bundle(d.dump()).value();
  CHECK(b.invocation_images[0].image_type == "oci");
  CHECK(!b.invocation_images[0].content_digest);
  CHECK(check_image_digests(b));  // absent is not malformed (unpinned is the api's decision)
}

TEST_CASE("each required field missing is refused naming it") {
  for (const char* k : {"schemaVersion", "name", "version", "invocationImages"}) {
    Json d = test_doc();
    d.erase(k);
    CHECK(error_of(d) == std::string("invalid_bundle: ") + k + ": required");
  }
  struct Case {
    const char* pointer;
    const char* field;
    const char* message;
  };
  for (auto c : std::initializer_list<Case>{
           {"/invocationImages/0", "image", "invocationImages[0].image: required"},
           {"/images/image-1", "image", "images.image-1.image: required"},
           {"/maintainers/0", "name", "maintainers[0].name: required"},
           {"/parameters/param1", "definition", "parameters.param1.definition: required"},
           {"/parameters/param1", "destination", "parameters.param1.destination: required"},
           {"/outputs/output1", "definition", "outputs.output1.definition: required"},
           {"/outputs/output1", "path", "outputs.output1.path: required"},
       }) {
    Json d = test_doc();
    d[Json::json_pointer(c.pointer)].erase(c.field);
    CHECK(error_of(d) == std::string("invalid_bundle: ") + c.message);
  }
}

TEST_CASE("wrong types, bad patterns and unknown top-level keys are refused naming the path") {
  struct Case {
    const char* pointer;
    const char* value;  // JSON
    const char* message;
  };
  for (auto c : std::initializer_list<Case>{
           {"/name", "1", "name: not a string"},
           {"/schemaVersion", "true", "schemaVersion: not a string"},
           {"/version", "1", "version: not a string"},
           {"/version", "\"latest\"", "version: does not match the schema's version pattern (no digit)"},
           {"/description", "null", "description: not a string"},
           {"/license", "[]", "license: not a string"},
           {"/keywords", "\"a\"", "keywords: not an array"},
           {"/keywords/1", "2", "keywords[1]: not a string"},
           {"/requiredExtensions", "[\"io.cnab.x\", 1]", "requiredExtensions[1]: not a string"},
           {"/custom", "[]", "custom: not an object"},
           {"/maintainers", "{}", "maintainers: not an array"},
           {"/maintainers/0", "\"docker\"", "maintainers[0]: not an object"},
           {"/maintainers/0/email", "1", "maintainers[0].email: not a string"},
           {"/maintainers/0/url", "false", "maintainers[0].url: not a string"},
           {"/invocationImages", "{}", "invocationImages: not an array"},
           {"/invocationImages", "[]",
            "invocationImages: empty (101: a bundle MUST have at least one invocation image)"},
           {"/invocationImages/0", "\"img\"", "invocationImages[0]: not an object"},
           {"/invocationImages/0/image", "{}", "invocationImages[0].image: not a string"},
           {"/invocationImages/0/contentDigest", "5", "invocationImages[0].contentDigest: not a string"},
           {"/invocationImages/0/imageType", "null", "invocationImages[0].imageType: not a string"},
           {"/invocationImages/0/mediaType", "[]", "invocationImages[0].mediaType: not a string"},
           {"/invocationImages/0/size", "-1", "invocationImages[0].size: not a non-negative integer"},
           {"/invocationImages/0/size", "1.5", "invocationImages[0].size: not a non-negative integer"},
           {"/invocationImages/0/size", "\"506\"", "invocationImages[0].size: not a non-negative integer"},
           {"/invocationImages/0/labels", "[]", "invocationImages[0].labels: not an object"},
           {"/invocationImages/0/labels", "{\"os\":1}", "invocationImages[0].labels.os: not a string"},
           {"/images", "[]", "images: not an object"},
           {"/images/image-1", "1", "images.image-1: not an object"},
           {"/images/image-1/description", "1", "images.image-1.description: not a string"},
           {"/images/image-1/size", "-507", "images.image-1.size: not a non-negative integer"},
           {"/images/a b", "{\"image\":2}", "images[\"a b\"].image: not a string"},
           {"/actions", "[]", "actions: not an object"},
           {"/actions/action-1", "true", "actions.action-1: not an object"},
           {"/actions/action-1/modifies", "\"yes\"", "actions.action-1.modifies: not a boolean"},
           {"/actions/action-1/stateless", "0", "actions.action-1.stateless: not a boolean"},
           {"/actions/action-1/title", "0", "actions.action-1.title: not a string"},
           {"/credentials/cred-1", "[]", "credentials.cred-1: not an object"},
           {"/credentials/cred-1/env", "1", "credentials.cred-1.env: not a string"},
           {"/credentials/cred-1/required", "\"no\"", "credentials.cred-1.required: not a boolean"},
           {"/credentials/cred-1/applyTo", "\"install\"", "credentials.cred-1.applyTo: not an array"},
           {"/parameters", "1", "parameters: not an object"},
           {"/parameters/param1/definition", "1", "parameters.param1.definition: not a string"},
           {"/parameters/param1/destination", "\"/x\"", "parameters.param1.destination: not an object"},
           {"/parameters/param1/destination/env", "1", "parameters.param1.destination.env: not a string"},
           {"/parameters/param1/applyTo", "[1]", "parameters.param1.applyTo[0]: not a string"},
           {"/parameters/param1/required", "1", "parameters.param1.required: not a boolean"},
           {"/outputs/output1/path", "\"/tmp/magic\"", "outputs.output1.path: does not match ^/cnab/app/outputs/.+$"},
           {"/outputs/output1/path", "\"/cnab/app/outputs/\"", "outputs.output1.path: does not match ^/cnab/app/outputs/.+$"},
           {"/outputs/output1/path", "\"/cnab/app/outputs/a\\nb\"", "outputs.output1.path: does not match ^/cnab/app/outputs/.+$"},
           {"/outputs/output1/path", "\"/cnab/app/outputs/a\\u2028\"", "outputs.output1.path: does not match ^/cnab/app/outputs/.+$"},
           {"/outputs/output1/description", "1", "outputs.output1.description: not a string"},
           {"/definitions", "[]", "definitions: not an object"},
           {"/definitions/numberType", "\"number\"", "definitions.numberType: not a JSON Schema (an object or a boolean)"},
           {"/definitions/numberType/type", "\"float\"", "definitions.numberType.type: not one of the simple types (array, boolean, integer, null, number, object, string)"},
           {"/definitions/numberType/type", "[]", "definitions.numberType.type: empty (minItems 1)"},
           {"/definitions/numberType/type", "[\"string\",\"string\"]", "definitions.numberType.type[1]: duplicate item (uniqueItems)"},
           {"/definitions/numberType/type", "[\"string\",1]", "definitions.numberType.type[1]: not one of the simple types (array, boolean, integer, null, number, object, string)"},
           {"/definitions/numberType/minLength", "-1", "definitions.numberType.minLength: not a non-negative integer"},
           {"/definitions/numberType/maxItems", "1.5", "definitions.numberType.maxItems: not a non-negative integer"},
           {"/definitions/numberType/multipleOf", "0", "definitions.numberType.multipleOf: not greater than 0 (exclusiveMinimum 0)"},
           {"/definitions/numberType/maximum", "\"10\"", "definitions.numberType.maximum: not a number"},
           {"/definitions/numberType/required", "[\"a\",\"a\"]", "definitions.numberType.required[1]: duplicate item (uniqueItems)"},
           {"/definitions/numberType/required", "\"a\"", "definitions.numberType.required: not an array"},
           {"/definitions/numberType/enum", "\"a\"", "definitions.numberType.enum: not an array"},
           {"/definitions/numberType/examples", "{}", "definitions.numberType.examples: not an array"},
           {"/definitions/numberType/pattern", "1", "definitions.numberType.pattern: not a string"},
           {"/definitions/numberType/writeOnly", "\"true\"", "definitions.numberType.writeOnly: not a boolean"},
           {"/definitions/numberType/allOf", "[]", "definitions.numberType.allOf: empty (minItems 1)"},
           {"/definitions/numberType/anyOf", "[{\"type\":\"integer\"},3]", "definitions.numberType.anyOf[1]: not a JSON Schema (an object or a boolean)"},
           {"/definitions/numberType/items", "[]", "definitions.numberType.items: empty (minItems 1)"},
           {"/definitions/numberType/properties", "{\"a\":{\"properties\":{\"b\":{\"type\":\"x\"}}}}", "definitions.numberType.properties.a.properties.b.type: not one of the simple types (array, boolean, integer, null, number, object, string)"},
           {"/definitions/numberType/dependencies", "{\"a\":[1]}", "definitions.numberType.dependencies.a[0]: not a string"},
           {"/definitions/numberType/dependencies", "{\"a\":7}", "definitions.numberType.dependencies.a: not a JSON Schema (an object or a boolean)"},
           {"/definitions/numberType/not", "null", "definitions.numberType.not: not a JSON Schema (an object or a boolean)"},
           {"/dependencies", "{}", "dependencies: not allowed (the bundle schema has additionalProperties: false)"},
           {"/$schema", "\"x\"", "[\"$schema\"]: not allowed (the bundle schema has additionalProperties: false)"},
           {"/originalImage", "\"x\"", "originalImage: not allowed (the bundle schema has additionalProperties: false)"},
       }) {
    Json d = test_doc();
    d[Json::json_pointer(c.pointer)] = Json::parse(c.value);
    INFO(c.pointer << " = " << c.value);
    CHECK(error_of(d) == std::string("invalid_bundle: ") + c.message);
  }
  CHECK(error_of(Json::array()) == "invalid_bundle: bundle.json: not a JSON object");
  CHECK(error_of(Json("bundle")) == "invalid_bundle: bundle.json: not a JSON object");
}

TEST_CASE("what the schema allows is accepted") {
  struct Case {
    const char* pointer;
    const char* value;
  };
  for (auto c : std::initializer_list<Case>{
           {"/version", "\"v1\""},                        // the pattern is not anchored
           {"/version", "\"1.0.0-rc.1+build.5\""},
           {"/invocationImages/0/size", "0"},
           {"/invocationImages/0/x-extra", "[1]"},        // nested objects allow more properties
           {"/invocationImages/1", "{\"image\":\"windows/app\"}"},
           {"/images", "{}"},
           {"/keywords", "[]"},
           {"/definitions/b", "true"},                    // draft-07 boolean schemas
           {"/definitions/numberType/type", "[\"number\",\"null\"]"},
           {"/definitions/numberType/maxLength", "2.0"},  // integer-valued: a JSON Schema integer
           {"/definitions/numberType/enum", "[1, 1]"},    // draft-07: enum is any array
           {"/definitions/numberType/items", "{\"type\":\"string\"}"},
           {"/definitions/numberType/dependencies", "{\"a\":[\"b\"],\"c\":{\"required\":[\"d\"]}}"},
           {"/definitions/numberType/x-vendor", "{\"anything\":[null]}"},
           {"/custom/io.cnab.dependencies", "[{\"sequence\":[1]}]"},
           {"/outputs/output1/path", "\"/cnab/app/outputs/a/b c\""},
       }) {
    Json d = test_doc();
    d[Json::json_pointer(c.pointer)] = Json::parse(c.value);
    INFO(c.pointer << " = " << c.value);
    CHECK(error_of(d) == "accepted");
  }
}

TEST_CASE("JSON-level errors keep their own codes") {
  auto dup = parse_bundle(R"({"name":"a","name":"b","schemaVersion":"v1","version":"1","invocationImages":[{"image":"x"}]})");
  REQUIRE(!dup);
  CHECK(dup.error().code == Errc::duplicate_key);
  auto dup_nested = parse_bundle(R"({"name":"a","schemaVersion":"v1","version":"1","invocationImages":[{"image":"x","image":"y"}]})");
  REQUIRE(!dup_nested);
  CHECK(dup_nested.error().code == Errc::duplicate_key);
  auto trunc = parse_bundle(test_bundle().substr(0, 100));
  REQUIRE(!trunc);
  CHECK(trunc.error().code == Errc::malformed_json);
  std::string big = R"({"name":"a","schemaVersion":"v1","version":"1","invocationImages":[{"image":"x"}],"description":")" +
                    std::string(kMaxBundleBytes, 'a') + "\"}";
  auto large = parse_bundle(big);
  REQUIRE(!large);
  CHECK(large.error().code == Errc::too_large);
  auto bad_utf8 = parse_bundle("{\"name\":\"\xff\",\"schemaVersion\":\"v1\",\"version\":\"1\",\"invocationImages\":[{\"image\":\"x\"}]}");
  REQUIRE(!bad_utf8);
  CHECK(bad_utf8.error().code != Errc::invalid_bundle);
}

TEST_CASE("non-canonical bundle bytes are refused") {
  const std::string c = test_bundle();
  CHECK(check_thin_canonical(c));
  auto refused = [](const std::string& s) {
    auto r = check_thin_canonical(s);
    return !r && r.error().code == Errc::not_canonical;
  };
  CHECK(refused(c + "\n"));                               // a trailing newline
  CHECK(refused(" " + c));                                // whitespace
  CHECK(refused(parse_bundle(c)->raw.dump(2)));           // pretty-printed
  std::string reordered = R"({"version":"1","name":"a","schemaVersion":"v1","invocationImages":[{"image":"x"}]})";
  CHECK(refused(reordered));                              // keys out of order
  std::string number = c;                                 // 0.5 written as 5e-1
  number.replace(number.find("0.5"), 3, "5e-1");
  CHECK(refused(number));
  std::string escaped = c;                                // a needless escape
  escaped.replace(escaped.find("\"my-app\""), 8, "\"my\\u002dapp\"");
  CHECK(refused(escaped));
  auto dup = check_thin_canonical(R"({"a":1,"a":1})");
  REQUIRE(!dup);
  CHECK(dup.error().code == Errc::duplicate_key);
}

TEST_CASE("contentDigest must be an OCI digest signy can compare") {
  for (const char* bad : {"sha256:D59A1AA7866258751A261BAE525A1842C7FF0662D4F34A355D5F36826ABC0343",
                          "sha256:d59a", "md5:d41d8cd98f00b204e9800998ecf8427e", "", "sha256:",
                          "d59a1aa7866258751a261bae525a1842c7ff0662d4f34a355d5f36826abc0343"}) {
    Json d = test_doc();
    d["images"]["image-1"]["contentDigest"] = bad;
    auto b = parse_bundle(d.dump()).value();
    auto r = check_image_digests(b);
    INFO(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::invalid_bundle);
    CHECK_THAT(r.error().message, Catch::StartsWith("images.image-1.contentDigest: not an OCI digest"));
  }
  Json d = test_doc();
  d["images"]["image-1"]["contentDigest"] = "sha512:" + std::string(128, 'a');
  CHECK(check_image_digests(parse_bundle(d.dump()).value()));
}

TEST_CASE("relocation maps: digest-pinned values, RFC 8785 output") {
  const std::string a = "sha256:" + std::string(64, 'a');
  auto m = parse_relocation_map(R"({"example/app:1.0":"my.registry/org/app@)" + a + R"(","x/y":"localhost:5000/b:v1@)" + a + "\"}");
  REQUIRE(m);
  CHECK(m->at("example/app:1.0") == "my.registry/org/app@" + a);
  CHECK(write_relocation_map(*m).value() ==
        R"({"example/app:1.0":"my.registry/org/app@)" + a + R"(","x/y":"localhost:5000/b:v1@)" + a + "\"}");
  CHECK(parse_relocation_map(write_relocation_map(*m).value()).value() == *m);

  // cnab-spec's own example maps one image to a tag: refused, naming it.
  auto spec = parse_relocation_map(fixture("cnab/spec/103.01-relocation-mapping.json"));
  REQUIRE(!spec);
  CHECK(spec.error().code == Errc::invalid_bundle);
  CHECK(spec.error().message ==
        "relocation map: \"outside/helloworld:0.1.0\": not a digest-pinned reference: my.registry/helloworld:0.1.0");

  auto err = [](const std::string& s) {
    auto r = parse_relocation_map(s);
    return r ? std::string("accepted") : std::string(errc_name(r.error().code)) + ": " + r.error().message;
  };
  CHECK(err("[]") == "invalid_bundle: relocation map: not a JSON object");
  CHECK(err(R"({"a":1})") == "invalid_bundle: relocation map: \"a\": not a string");
  CHECK(err(R"({"":"x@)" + a + "\"}") == "invalid_bundle: relocation map: an empty image name");
  CHECK_THAT(err(R"({"a":"Bad Ref@)" + a + "\"}"), Catch::StartsWith("invalid_bundle: relocation map: \"a\": "));
  CHECK_THAT(err(R"({"a":"x@sha256:abc"})"), Catch::StartsWith("invalid_bundle: relocation map: \"a\": "));
  CHECK_THAT(err(R"({"a":"x@)" + a + R"(","a":"y@)" + a + "\"}"), Catch::StartsWith("duplicate_key"));
  CHECK_THAT(err("{\"a\":\"x@" + a + "\"," + std::string(kMaxRelocationMapBytes, ' ') + "}"),
             Catch::StartsWith("too_large"));
  CHECK(err("{}") == "accepted");
}
