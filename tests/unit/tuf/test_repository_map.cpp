// TAP 4 map.json (tuf/repository_map.hpp): the format's rules, hostile maps, and path matching.
#include <catch2/catch.hpp>

#include "signy/tuf/repository_map.hpp"
#include "testsupport.hpp"

using namespace signy;
using tuf::map_path_matches;
using tuf::parse_repository_map;

namespace {

const std::string kGood = R"({
  "repositories": {"primary": ["https://127.0.0.1:4443"], "mirror": ["file:///srv/mirror", "https://m.example"],
                   "backup": ["http://127.0.0.1:8080/base"]},
  "mapping": [
    {"paths": ["example.com/org/*"], "repositories": ["primary", "mirror"], "threshold": 2, "terminating": true},
    {"paths": ["*"], "repositories": ["backup"]}
  ]})";

// The map with `mapping[0]` replaced by `m`.
std::string with_mapping(const std::string& m) {
  return R"({"repositories": {"a": ["https://a.example"], "b": ["file:///b"]}, "mapping": [)" + m + "]}";
}

void refused(const std::string& json, Errc code, const std::string& part) {
  auto r = parse_repository_map(json, "map.json");
  INFO(json);
  REQUIRE(!r);
  CHECK(r.error().code == code);
  INFO(r.error().message);
  CHECK(r.error().message.find(part) != std::string::npos);
  CHECK(r.error().message.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("map.json: a valid map keeps repositories, URLs, order, thresholds and terminating") {
  auto m = parse_repository_map(kGood, "/etc/map.json");
  REQUIRE(m);
  CHECK(m->source == "/etc/map.json");
  REQUIRE(m->repositories.size() == 3);
  auto mirror = std::find_if(m->repositories.begin(), m->repositories.end(), [](auto& r) { return r.name == "mirror"; });
  REQUIRE(mirror != m->repositories.end());
  CHECK(mirror->urls == std::vector<std::string>{"file:///srv/mirror", "https://m.example"});
  REQUIRE(m->mapping.size() == 2);
  CHECK(m->mapping[0].paths == std::vector<std::string>{"example.com/org/*"});
  CHECK(m->mapping[0].repositories == std::vector<std::string>{"primary", "mirror"});
  CHECK(m->mapping[0].threshold == 2);
  CHECK(m->mapping[0].terminating);
  // Defaults (TAP 4): threshold 1, not terminating.
  CHECK(m->mapping[1].threshold == 1);
  CHECK_FALSE(m->mapping[1].terminating);
}

TEST_CASE("map.json: the document's shape is checked (unknown keys, missing parts, wrong types)") {
  refused("[]", Errc::malformed_json, "not a JSON object");
  refused("{", Errc::malformed_json, "map.json");
  refused(R"({"repositories": {"a": ["file:///a"]}})", Errc::malformed_json, "no \"mapping\"");
  refused(R"({"mapping": []})", Errc::malformed_json, "no \"repositories\"");
  refused(R"({"repositories": {"a": ["file:///a"]}, "mapping": [{"paths":["*"],"repositories":["a"]}], "extra": 1})",
          Errc::malformed_json, "unknown key \"extra\"");
  // TAP 4's older "delegations" is not silently read as nothing.
  refused(R"({"repositories": {"a": ["file:///a"]}, "delegations": []})", Errc::malformed_json, "unknown key \"delegations\"");
  refused(R"({"repositories": [], "mapping": []})", Errc::malformed_json, "\"repositories\" is not an object");
  refused(R"({"repositories": {}, "mapping": []})", Errc::unsupported_value, "\"repositories\" is empty");
  refused(R"({"repositories": {"a": ["file:///a"]}, "mapping": {}})", Errc::malformed_json, "\"mapping\" is not a list");
  refused(R"({"repositories": {"a": ["file:///a"]}, "mapping": []})", Errc::unsupported_value, "\"mapping\" is empty");
  // Duplicate keys are refused by the strict parser, not "last one wins".
  refused(R"({"repositories": {"a": ["file:///a"], "a": ["file:///evil"]}, "mapping": [{"paths":["*"],"repositories":["a"]}]})",
          Errc::duplicate_key, "");
}

TEST_CASE("map.json: repository names are directory names, URLs are https, loopback http or file") {
  auto repo = [](const std::string& name, const std::string& urls) {
    return R"({"repositories": {")" + name + R"(": )" + urls + R"(}, "mapping": [{"paths":["*"],"repositories":[")" + name + R"("]}]})";
  };
  for (const std::string& bad : std::vector<std::string>{"..", ".", "a/b", "a b", "", std::string(65, 'x'), "\\u00e9", "a\\u0000"})
    refused(repo(bad, R"(["file:///a"])"), Errc::unsupported_value, "repository name");
  CHECK(parse_repository_map(repo(std::string(64, 'x'), R"(["file:///a"])")));
  CHECK(parse_repository_map(repo("A.b_c-9", R"(["file:///a"])")));
  refused(repo("a", R"([])"), Errc::unsupported_value, "is empty");
  refused(repo("a", R"("file:///a")"), Errc::malformed_json, "is not a list");
  refused(repo("a", R"([1])"), Errc::malformed_json, "non-string");
  refused(repo("a", R"([""])"), Errc::unsupported_value, "empty string");
  refused(repo("a", R"(["ftp://x/"])"), Errc::unsupported_value, "is not https://");
  refused(repo("a", R"(["file://relative/dir"])"), Errc::unsupported_value, "file:///ABSOLUTE/PATH");
  refused(repo("a", R"(["https:///path"])"), Errc::unsupported_value, "names no host");
  refused(repo("a", R"(["https://user:pw@host/"])"), Errc::unsupported_value, "credentials");
  refused(repo("a", R"(["https://host/\n"])"), Errc::unsupported_value, "control character");
  refused(repo("a", "[\"https://" + std::string(3000, 'h') + "\"]"), Errc::unsupported_value, "longer than");
  // Every URL is checked, not only the first (the one used).
  refused(repo("a", R"(["https://ok.example", "gopher://x"])"), Errc::unsupported_value, "is not https://");
  std::string many = "[";
  for (int i = 0; i < 17; ++i) many += std::string(i ? "," : "") + "\"file:///m" + std::to_string(i) + "\"";
  refused(repo("a", many + "]"), Errc::too_large, "more than 16");
  std::string repos;
  for (std::size_t i = 0; i <= tuf::kMaxMapRepositories; ++i)
    repos += std::string(i ? "," : "") + "\"r" + std::to_string(i) + "\": [\"file:///r\"]";
  refused(R"({"repositories": {)" + repos + R"(}, "mapping": [{"paths":["*"],"repositories":["r0"]}]})", Errc::too_large,
          "more than 32 repositories");
}

TEST_CASE("map.json: each mapping's rules, with the mapping and key named") {
  refused(with_mapping("1"), Errc::malformed_json, "mapping[0] is not an object");
  refused(with_mapping(R"({"repositories":["a"]})"), Errc::malformed_json, "mapping[0] has no \"paths\"");
  refused(with_mapping(R"({"paths":["*"]})"), Errc::malformed_json, "mapping[0] has no \"repositories\"");
  refused(with_mapping(R"({"paths":[],"repositories":["a"]})"), Errc::unsupported_value, "mapping[0] \"paths\" is empty");
  refused(with_mapping(R"({"paths":"*","repositories":["a"]})"), Errc::malformed_json, "mapping[0] \"paths\" is not a list");
  refused(with_mapping(R"({"paths":[""],"repositories":["a"]})"), Errc::unsupported_value, "empty string");
  refused(with_mapping(R"({"paths":["a\tb"],"repositories":["a"]})"), Errc::unsupported_value, "control character");
  refused(with_mapping(R"({"paths":[")" + std::string(1025, '*') + R"("],"repositories":["a"]})"), Errc::too_large, "longer than 1024");
  refused(with_mapping(R"({"paths":["*"],"repositories":[]})"), Errc::unsupported_value, "\"repositories\" is empty");
  refused(with_mapping(R"({"paths":["*"],"repositories":["c"]})"), Errc::unsupported_value, "unknown repository \"c\"");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a","b","a"]})"), Errc::unsupported_value, "\"a\" is listed twice");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":0})"), Errc::unsupported_value, "at least 1");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":-1})"), Errc::unsupported_value, "at least 1");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":1.0})"), Errc::malformed_json, "not an integer");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":"1"})"), Errc::malformed_json, "not an integer");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":true})"), Errc::malformed_json, "not an integer");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a","b"],"threshold":3})"), Errc::unsupported_value,
          "mapping[0] \"threshold\": 3 is more than its 2 repositories");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"threshold":18446744073709551615})"), Errc::unsupported_value,
          "more than its 1 repositories");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"terminating":"yes"})"), Errc::malformed_json,
          "\"terminating\" is not a boolean");
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"],"Threshold":2})"), Errc::malformed_json, "unknown key \"Threshold\"");
  // One repository under two names would count twice towards the threshold.
  auto twice = [](const std::string& u1, const std::string& u2) {
    return R"({"repositories": {"a": [")" + u1 + R"("], "b": [")" + u2 + R"("]}, "mapping": [{"paths":["*"],"repositories":["a","b"],"threshold":2}]})";
  };
  refused(twice("https://n.example:4443", "https://N.Example:4443/"), Errc::unsupported_value, "\"a\" and \"b\" are the same repository");
  refused(twice("file:///srv/m", "file:///srv/m/"), Errc::unsupported_value, "are the same repository");
  CHECK(parse_repository_map(twice("file:///srv/m", "file:///srv/M")));  // paths are case-sensitive
  // Other spellings of one repository (found by review: "//" counted one repository twice).
  refused(twice("file:///srv/m", "file:///srv//m"), Errc::unsupported_value, "are the same repository");
  refused(twice("file:///srv/m", "file:///srv/x/../m/."), Errc::unsupported_value, "are the same repository");
  refused(twice("https://n.example", "https://n.example:443/"), Errc::unsupported_value, "are the same repository");
  refused(twice("http://127.0.0.1:80/a", "http://127.0.0.1/a"), Errc::unsupported_value, "are the same repository");
  {
    TempDir d;
    std::filesystem::create_directory(d.path() / "real");
    std::filesystem::create_directory_symlink(d.path() / "real", d.path() / "alias");
    refused(twice("file://" + (d.path() / "real").string(), "file://" + (d.path() / "alias").string()), Errc::unsupported_value,
            "are the same repository");
  }
  // The second mapping is named in its own errors.
  refused(with_mapping(R"({"paths":["*"],"repositories":["a"]}, {"paths":["*"],"repositories":["z"]})"), Errc::unsupported_value,
          "mapping[1] \"repositories\": unknown repository \"z\"");
  std::string many;
  for (std::size_t i = 0; i <= tuf::kMaxMappings; ++i) many += std::string(i ? "," : "") + R"({"paths":["*"],"repositories":["a"]})";
  refused(with_mapping(many), Errc::too_large, "more than 256 mappings");
}

TEST_CASE("map.json: size and depth limits") {
  std::string big = kGood + std::string(tuf::kMaxMapBytes, ' ');
  refused(big, Errc::too_large, "");
  std::string deep = R"({"repositories": {"a": ["file:///a"]}, "mapping": [{"paths":["*"],"repositories":["a"],"x":)" +
                     std::string(40, '[') + std::string(40, ']') + "}]}";
  refused(deep, Errc::too_deep, "");
}

TEST_CASE("map.json: load_repository_map reads a file, and names it when absent") {
  auto r = tuf::load_repository_map("/nonexistent/signy/map.json");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message.find("/nonexistent/signy/map.json") != std::string::npos);
}

TEST_CASE("map paths: '*' matches any run including '/', '?' one character, nothing else is magic") {
  CHECK(map_path_matches("*", ""));
  CHECK(map_path_matches("*", "example.com/org/app:v1"));
  CHECK(map_path_matches("example.com/org/*", "example.com/org/app:v1"));
  CHECK(map_path_matches("example.com/org/*", "example.com/org/sub/app:v1"));  // '*' crosses '/'
  CHECK_FALSE(map_path_matches("example.com/org/*", "example.com/orga/app:v1"));
  CHECK_FALSE(map_path_matches("example.com/org/*", "evil.com/example.com/org/app:v1"));  // anchored
  CHECK(map_path_matches("example.com/app:v?", "example.com/app:v1"));
  CHECK_FALSE(map_path_matches("example.com/app:v?", "example.com/app:v10"));
  CHECK_FALSE(map_path_matches("example.com/app:v?", "example.com/app:v"));
  CHECK(map_path_matches("*:v1", "example.com/app:v1"));
  CHECK_FALSE(map_path_matches("*:v1", "example.com/app:v1x"));
  CHECK(map_path_matches("*app*", "example.com/app:v1"));
  CHECK(map_path_matches("a*b*c", "aXXbYYc"));
  CHECK_FALSE(map_path_matches("a*b*c", "aXXbYY"));
  // No character classes or escapes: '[' and '\' are literal.
  CHECK(map_path_matches("a[b]c", "a[b]c"));
  CHECK_FALSE(map_path_matches("a[b]c", "abc"));
  CHECK(map_path_matches("a\\*", "a\\xyz"));
  // Exact names.
  CHECK(map_path_matches("example.com/app:v1", "example.com/app:v1"));
  CHECK_FALSE(map_path_matches("example.com/app:v1", "example.com/app:v2"));
  CHECK_FALSE(map_path_matches("", "x"));
  CHECK(map_path_matches("", ""));
  // A literal '*' in the target is matched by a '*' of the pattern, and '?' matches it too.
  CHECK(map_path_matches("a?c", "a*c"));
}

TEST_CASE("map paths: many stars against a long non-matching name stay fast (no exponential backtracking)") {
  std::string pattern;
  for (int i = 0; i < 500; ++i) pattern += "*a";
  pattern += "b";
  std::string target(1000, 'a');
  CHECK_FALSE(map_path_matches(pattern, target));
}
