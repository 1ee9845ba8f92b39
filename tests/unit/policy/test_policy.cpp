// The policy file (include/signy/policy/policy.hpp): every rule of the format refused with a
// message naming the policy and the key, scope selection, the default document, file reading.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>

#include "signy/policy/policy.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::policy;
using namespace std::chrono_literals;

namespace {

// A document of one policy whose members are `members` (JSON text without braces).
std::string one(const std::string& members) {
  return R"({"version": "1.0", "policies": [{)" + members + "}]}";
}
const std::string kBase = R"("name": "p", "scopes": ["localhost:5000/org/app"], "signatureVerification": {"level": "strict"})";

Error parse_error(const std::string& json) {
  auto r = parse(json);
  INFO(json);
  REQUIRE(!r);
  return r.error();
}

// The error's code and message parts.
void refused(const std::string& json, Errc code, std::initializer_list<std::string> parts) {
  auto e = parse_error(json);
  INFO(json << "\n-> " << e.message);
  CHECK(e.code == code);
  CHECK(e.message.find('\n') == std::string::npos);
  for (const auto& part : parts) CHECK(e.message.find(part) != std::string::npos);
}

}  // namespace

TEST_CASE("a full policy document is read into every field") {
  auto doc = parse(R"({"version": "1.0", "policies": [
    {"name": "prod", "scopes": ["localhost:5000/org/app", "localhost:5000/team/*"],
     "signatureVerification": {"level": "permissive"},
     "trustedRoots": {"keys": ["ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"]},
     "requireInToto": true, "requireImageDigests": false, "signingRoles": ["targets/releases", "targets"],
     "maxMetadataAge": "1m30s"},
    {"name": "rest", "scopes": ["*"], "signatureVerification": {"level": "audit"}},
    {"name": "dev", "scopes": ["localhost:5000/dev/app"], "signatureVerification": {"level": "skip"}}]})",
                   "/etc/signy/policy.json");
  REQUIRE(doc);
  CHECK(doc->version == "1.0");
  CHECK(doc->source == "/etc/signy/policy.json");
  REQUIRE(doc->policies.size() == 3);
  const auto& p = doc->policies[0];
  CHECK(p.name == "prod");
  CHECK(p.scopes == std::vector<std::string>{"localhost:5000/org/app", "localhost:5000/team/*"});
  CHECK(p.level == Level::permissive);
  CHECK(p.root_keys == std::vector<std::string>{"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"});
  CHECK(!p.root_ca);  // keys or ca, not both (a relative ca: below)
  CHECK(p.require_in_toto);
  CHECK_FALSE(p.require_image_digests);
  CHECK(p.signing_roles == std::vector<std::string>{"targets/releases", "targets"});
  CHECK(p.max_metadata_age == 90s);
  const auto& q = doc->policies[1];
  CHECK(q.level == Level::audit);
  CHECK(q.root_keys.empty());
  CHECK(!q.root_ca);
  CHECK_FALSE(q.require_in_toto);
  CHECK(q.require_image_digests);  // defaults
  CHECK(q.signing_roles.empty());
  CHECK(q.max_metadata_age == 0s);
  CHECK(doc->policies[2].level == Level::skip);
}

TEST_CASE("absolute CA paths stay, relative ones without a source stay relative") {
  auto a = parse(one(kBase + R"(, "trustedRoots": {"ca": "/abs/ca.pem"})"), "/etc/signy/policy.json");
  REQUIRE(a);
  CHECK(a->policies[0].root_ca == std::filesystem::path("/abs/ca.pem"));
  auto b = parse(one(kBase + R"(, "trustedRoots": {"ca": "ca.pem"})"));
  REQUIRE(b);
  CHECK(b->policies[0].root_ca == std::filesystem::path("ca.pem"));
}

TEST_CASE("level names") {
  CHECK(level_name(Level::strict) == "strict");
  CHECK(level_name(Level::permissive) == "permissive");
  CHECK(level_name(Level::audit) == "audit");
  CHECK(level_name(Level::skip) == "skip");
  for (auto l : {"strict", "permissive", "audit"}) {
    auto d = parse(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {"level": ")" + std::string(l) + "\"}"));
    REQUIRE(d);
    CHECK(level_name(d->policies[0].level) == l);
  }
}

TEST_CASE("documents that are not JSON, or not policy documents, are refused") {
  refused("", Errc::malformed_json, {"not a policy document"});
  refused("{", Errc::malformed_json, {"not a policy document"});
  refused(R"({"version": "1.0", "version": "1.0", "policies": []})", Errc::duplicate_key, {});
  refused(R"([])", Errc::malformed_json, {"expected an object, got an array"});
  refused(R"({"version": "1.0", "policies": []} x)", Errc::malformed_json, {});
  refused(R"({"policies": [{}]})", Errc::malformed_json, {"missing \"version\""});
  refused(R"({"version": "1.0"})", Errc::malformed_json, {"missing \"policies\""});
  refused(R"({"version": 1.0, "policies": []})", Errc::malformed_json, {"version", "expected a string, got a number"});
  refused(R"({"version": "2.0", "policies": []})", Errc::unsupported_value, {"version", "\"2.0\"", "only \"1.0\""});
  refused(R"({"version": "1.0", "policies": {}})", Errc::malformed_json, {"policies", "expected an array"});
  refused(R"({"version": "1.0", "policies": []})", Errc::unsupported_value, {"policies", "empty"});
  refused(R"({"version": "1.0", "policies": [], "extra": 1})", Errc::malformed_json, {"unknown key \"extra\""});
  refused(R"({"version": "1.0", "trustPolicies": []})", Errc::malformed_json, {"trustPolicies", "\"policies\" here"});
  CHECK(parse_error(R"({"version": "1.0", "trustPolicies": []})").message.rfind("unknown key \"trustPolicies\"", 0) == 0);
  CHECK(parse(R"({"version": "1.0", "policies": []})", "/p.json").error().message == "/p.json: policies: empty list (every bundle would be denied)");
  CHECK(parse_error(R"({"version": "1.0"})").message == "missing \"policies\"");
  refused(R"({"version": "1.0", "policies": ["p"]})", Errc::malformed_json, {"policies[0]", "expected an object, got a string"});
  refused(R"({"version": "1.0", "policies": [[[[[[[[[[1]]]]]]]]]]})", Errc::too_deep, {});
}

TEST_CASE("size limits: bytes and number of policies") {
  std::string big = one(kBase) + std::string(kMaxPolicyBytes, ' ');
  refused(big, Errc::too_large, {"larger than"});
  std::string many = R"({"version": "1.0", "policies": [)";
  for (std::size_t i = 0; i <= kMaxPolicies; ++i)
    many += (i ? "," : "") + std::string(R"({"name": "p)") + std::to_string(i) + R"(", "scopes": ["localhost:5000/a)" +
            std::to_string(i) + R"("], "signatureVerification": {"level": "strict"}})";
  many += "]}";
  refused(many, Errc::too_large, {"policies", "more than 256"});
}

TEST_CASE("a policy: required keys, types and unknown keys") {
  refused(one(R"("scopes": ["*"], "signatureVerification": {"level": "strict"})"), Errc::malformed_json,
          {"policies[0]", "missing \"name\""});
  refused(one(R"("name": "p", "signatureVerification": {"level": "strict"})"), Errc::malformed_json,
          {"policies[0] \"p\"", "missing \"scopes\""});
  refused(one(R"("name": "p", "scopes": ["*"])"), Errc::malformed_json, {"policies[0] \"p\"", "missing \"signatureVerification\""});
  refused(one(R"("name": 7, "scopes": ["*"], "signatureVerification": {"level": "strict"})"), Errc::malformed_json,
          {"name", "expected a string, got a number"});
  refused(one(kBase + R"(, "colour": "red")"), Errc::malformed_json, {"policies[0] \"p\"", "unknown key \"colour\""});
  refused(one(kBase + R"(, "registryScopes": ["*"])"), Errc::malformed_json, {"registryScopes", "\"scopes\" here"});
  refused(one(kBase + R"(, "trustStores": ["ca:x"])"), Errc::malformed_json, {"trustStores", "trustedRoots"});
  refused(one(R"("name": "p", "scopes": "*", "signatureVerification": {"level": "strict"})"), Errc::malformed_json,
          {"scopes", "expected an array of strings, got a string"});
  refused(one(R"("name": "p", "scopes": [1], "signatureVerification": {"level": "strict"})"), Errc::malformed_json,
          {"scopes[0]", "expected a string"});
  refused(one(R"("name": "p", "scopes": [], "signatureVerification": {"level": "strict"})"), Errc::unsupported_value,
          {"scopes", "empty list"});
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": "strict")"), Errc::malformed_json,
          {"signatureVerification", "expected an object"});
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {})"), Errc::malformed_json,
          {"signatureVerification", "missing \"level\""});
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {"level": true})"), Errc::malformed_json,
          {"signatureVerification: level", "expected a string, got a boolean"});
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {"level": "Strict"})"), Errc::unsupported_value,
          {"level", "\"Strict\" is not strict, permissive, audit or skip"});
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {"level": "strict", "override": {}})"),
          Errc::malformed_json, {"signatureVerification", "unknown key \"override\""});
  refused(one(kBase + R"(, "requireInToto": "true")"), Errc::malformed_json, {"requireInToto", "expected true or false"});
  refused(one(kBase + R"(, "requireImageDigests": 1)"), Errc::malformed_json, {"requireImageDigests", "expected true or false"});
  refused(one(kBase + R"(, "requireInToto": null)"), Errc::malformed_json, {"requireInToto", "got null"});
}

TEST_CASE("policy names: the character set, the length, unique") {
  for (std::string bad : std::vector<std::string>{"", "a b", "a/b", "x\u00e9", std::string(65, 'a'), "a\\u0000b", "a\\nb"}) {
    refused(one(R"("name": ")" + bad + R"(", "scopes": ["*"], "signatureVerification": {"level": "strict"})"),
            Errc::unsupported_value, {"name", "must be 1 to 64 of"});
  }
  CHECK(parse(one(R"("name": ")" + std::string(64, 'a') + R"(", "scopes": ["*"], "signatureVerification": {"level": "strict"})")));
  CHECK(parse(one(R"("name": "A-z_0.9", "scopes": ["*"], "signatureVerification": {"level": "strict"})")));
  refused(R"({"version": "1.0", "policies": [
      {"name": "p", "scopes": ["localhost:5000/a"], "signatureVerification": {"level": "strict"}},
      {"name": "p", "scopes": ["localhost:5000/b"], "signatureVerification": {"level": "strict"}}]})",
          Errc::unsupported_value, {"policies[1] \"p\"", "another policy has this name"});
}

TEST_CASE("a control byte in a message is escaped") {
  auto e = parse_error(one(R"("name": "p", "scopes": ["localhost:5000/\u001b[31m"], "signatureVerification": {"level": "strict"})"));
  CHECK(e.message.find('\x1b') == std::string::npos);
  CHECK(e.message.find("\\x1b[31m") != std::string::npos);
}

TEST_CASE("scopes: GUNs, prefixes and '*' as oci references name them") {
  auto scope = [](const std::string& s) {
    return one(R"("name": "p", "scopes": [")" + s + R"("], "signatureVerification": {"level": "strict"})");
  };
  for (std::string good : {"localhost:5000/org/app", "localhost/app", "registry.example.com/a/b/c", "docker.io/library/alpine",
                           "127.0.0.1:5000/x", "[::1]:5000/x", "Registry.Example.COM/app", "localhost:5000/*",
                           "localhost:5000/team/*", "docker.io/*", "example.com/a.b/c_d/e__f/g--h", "*"}) {
    INFO(good);
    CHECK(parse(scope(good)));
  }
  struct Bad {
    std::string scope, why;
  };
  for (const auto& [bad, why] : std::vector<Bad>{
           {"", "empty"},
           {"alpine", "write docker.io/library/alpine"},
           {"org/app", "write docker.io/org/app"},
           {"localhost:5000", "a registry host, not a repository"},
           {"example.com", "a registry host, not a repository"},
           {"localhost:5000/Org/app", "must be lowercase"},
           {"localhost:5000/org//app", "must be lowercase"},
           {"localhost:5000/org/app/", "must be lowercase"},
           {"localhost:5000/org/../app", "must be lowercase"},
           {"localhost:5000/-app", "must be lowercase"},
           {"localhost:5000/a b", "must be lowercase"},
           {"localhost:99999/app", "invalid registry host"},
           {"localhost:/app", "invalid registry host"},
           {"-bad.com/app", "invalid registry host"},
           {"bad..com/app", "invalid registry host"},
           {"[::1/app", "invalid registry host"},
           {"[zz]:5000/app", "invalid registry host"},
           {"index.docker.io/library/alpine", "write docker.io"},
           {"docker.io/nginx", "write docker.io/library/nginx"},
           {"DOCKER.IO/nginx", "write docker.io/library/nginx"},
           {"localhost:5000/team*", "'*' is allowed only alone or as the last component"},
           {"localhost:5000/*/app", "'*' is allowed only alone or as the last component"},
           {"*/app", "'*' is allowed only alone or as the last component"},
           {"**", "'*' is allowed only alone or as the last component"},
           {"localhost:5000/**", "'*' is allowed only alone or as the last component"},
           {"/*", "empty"},
           {"app/*", "no registry host"},
           {"localhost:5000/" + std::string(250, 'a'), "longer than 255"},
       }) {
    refused(scope(bad), Errc::unsupported_value, {"scopes[0]", why});
  }
}

TEST_CASE("scopes: '*' alone and once, no scope twice in the document") {
  refused(one(R"("name": "p", "scopes": ["*", "localhost:5000/a"], "signatureVerification": {"level": "strict"})"),
          Errc::unsupported_value, {"scopes[0]", "\"*\" must be the only scope"});
  refused(one(R"("name": "p", "scopes": ["localhost:5000/a", "*"], "signatureVerification": {"level": "strict"})"),
          Errc::unsupported_value, {"scopes[1]", "\"*\" must be the only scope"});
  refused(one(R"("name": "p", "scopes": ["localhost:5000/a", "localhost:5000/a"], "signatureVerification": {"level": "strict"})"),
          Errc::unsupported_value, {"scopes[1]", "listed twice"});
  refused(one(R"("name": "p", "scopes": ["localhost:5000/a", "LOCALHOST:5000/a"], "signatureVerification": {"level": "strict"})"),
          Errc::unsupported_value, {"scopes[1]", "listed twice"});
  refused(R"({"version": "1.0", "policies": [
      {"name": "a", "scopes": ["*"], "signatureVerification": {"level": "strict"}},
      {"name": "b", "scopes": ["*"], "signatureVerification": {"level": "audit"}}]})",
          Errc::unsupported_value, {"policies[1] \"b\"", "scopes[0]", "already the scope of policy \"a\""});
  refused(R"({"version": "1.0", "policies": [
      {"name": "a", "scopes": ["localhost:5000/team/*"], "signatureVerification": {"level": "strict"}},
      {"name": "b", "scopes": ["localhost:5000/x", "Localhost:5000/team/*"], "signatureVerification": {"level": "audit"}}]})",
          Errc::unsupported_value, {"policies[1] \"b\"", "scopes[1]", "also a scope of policy \"a\""});
  // A GUN and the prefix of its own path are different scopes.
  CHECK(parse(R"({"version": "1.0", "policies": [
      {"name": "a", "scopes": ["localhost:5000/team"], "signatureVerification": {"level": "strict"}},
      {"name": "b", "scopes": ["localhost:5000/team/*"], "signatureVerification": {"level": "audit"}}]})"));
}

TEST_CASE("skip: never global, nothing beside it") {
  refused(one(R"("name": "p", "scopes": ["*"], "signatureVerification": {"level": "skip"})"), Errc::unsupported_value,
          {"policies[0] \"p\"", "skip is not allowed on scope \"*\""});
  // Explicit scopes only: a prefix may be a whole registry ("localhost:5000/*").
  for (std::string prefix : {"localhost:5000/*", "localhost:5000/dev/*"})
    refused(one(R"("name": "p", "scopes": ["localhost:5000/a", ")" + prefix + R"("], "signatureVerification": {"level": "skip"})"),
            Errc::unsupported_value, {"policies[0] \"p\"", "skip is not allowed on the prefix scope \"" + prefix + "\""});
  CHECK(parse(one(R"("name": "p", "scopes": ["localhost:5000/dev/app", "localhost:5000/b"], "signatureVerification": {"level": "skip"})")));
  const std::string skip = R"("name": "p", "scopes": ["localhost:5000/a"], "signatureVerification": {"level": "skip"})";
  for (std::string extra : {R"("trustedRoots": {"ca": "x"})", R"("requireInToto": false)", R"("requireImageDigests": true)",
                            R"("signingRoles": ["targets"])", R"("maxMetadataAge": "1m")"}) {
    auto key = extra.substr(1, extra.find('"', 1) - 1);
    refused(one(skip + ", " + extra), Errc::unsupported_value, {key, "has no effect with level skip"});
  }
}

TEST_CASE("trustedRoots: keys and ca together are refused (the CA would be ignored)") {
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + std::string(64, 'a') + R"("], "ca": "ca.pem"})"), Errc::unsupported_value,
          {"policies[0]", "trustedRoots", "\"keys\" or \"ca\", not both"});
}

TEST_CASE("trustedRoots: keys are 64 hex digits, once each - ca a file name") {
  const std::string id(64, 'a');
  refused(one(kBase + R"(, "trustedRoots": [])"), Errc::malformed_json, {"trustedRoots", "expected an object"});
  refused(one(kBase + R"(, "trustedRoots": {})"), Errc::unsupported_value, {"trustedRoots", "give \"keys\" or \"ca\" (or leave it out)"});
  refused(one(kBase + R"(, "trustedRoots": {"certs": []})"), Errc::malformed_json, {"trustedRoots", "unknown key \"certs\""});
  refused(one(kBase + R"(, "trustedRoots": {"keys": []})"), Errc::unsupported_value, {"trustedRoots: keys", "empty list"});
  refused(one(kBase + R"(, "trustedRoots": {"keys": ")" + id + R"("})"), Errc::malformed_json, {"keys", "expected an array"});
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + id.substr(1) + R"("]})"), Errc::unsupported_value,
          {"keys[0]", "not a key ID"});
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + id + R"(a"]})"), Errc::unsupported_value, {"keys[0]", "not a key ID"});
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + id.substr(1) + R"(g"]})"), Errc::unsupported_value,
          {"keys[0]", "not a key ID"});
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + id + R"(", ")" + id + R"("]})"), Errc::unsupported_value,
          {"keys[1]", "listed twice"});
  std::string upper(64, 'A');
  refused(one(kBase + R"(, "trustedRoots": {"keys": [")" + id + R"(", ")" + upper + R"("]})"), Errc::unsupported_value,
          {"keys[1]", "listed twice"});
  refused(one(kBase + R"(, "trustedRoots": {"ca": ""})"), Errc::unsupported_value, {"trustedRoots: ca", "not a file name"});
  refused(one(kBase + R"(, "trustedRoots": {"ca": "a\nb"})"), Errc::unsupported_value, {"ca", "not a file name"});
  refused(one(kBase + R"(, "trustedRoots": {"ca": "a\u0000b"})"), Errc::unsupported_value, {"ca", "not a file name"});
  refused(one(kBase + R"(, "trustedRoots": {"ca": ")" + std::string(4097, 'a') + R"("})"), Errc::unsupported_value,
          {"ca", "not a file name"});
  refused(one(kBase + R"(, "trustedRoots": {"ca": ["a"]})"), Errc::malformed_json, {"ca", "expected a string"});
}

TEST_CASE("signingRoles: targets or notary delegation names, once each") {
  for (std::string good : {"targets", "targets/releases", "targets/a/b", "targets/a-b_c0"}) {
    INFO(good);
    CHECK(parse(one(kBase + R"(, "signingRoles": [")" + good + R"("])")));
  }
  for (std::string bad : {"root", "snapshot", "timestamp", "targets/", "targets//a", "targets/a/", "targets/A",
                          "targets/a.b", "targets/../root", "Targets", "releases", "", "targets/a b"}) {
    refused(one(kBase + R"(, "signingRoles": [")" + bad + R"("])"), Errc::unsupported_value,
            {"signingRoles[0]", "not a role that signs targets"});
  }
  refused(one(kBase + R"(, "signingRoles": ["targets/)" + std::string(250, 'a') + R"("])"), Errc::unsupported_value,
          {"not a role"});
  refused(one(kBase + R"(, "signingRoles": [])"), Errc::unsupported_value, {"signingRoles", "empty list"});
  refused(one(kBase + R"(, "signingRoles": "targets")"), Errc::malformed_json, {"signingRoles", "expected an array"});
  refused(one(kBase + R"(, "signingRoles": ["targets", "targets"])"), Errc::unsupported_value, {"signingRoles[1]", "listed twice"});
}

TEST_CASE("maxMetadataAge: a Go duration of whole seconds, at most a year") {
  auto age = [](const std::string& v) { return parse(one(kBase + R"(, "maxMetadataAge": )" + v)); };
  CHECK(age(R"("10m")").value().policies[0].max_metadata_age == 600s);
  CHECK(age(R"("1h30m")").value().policies[0].max_metadata_age == 5400s);
  CHECK(age(R"("0s")").value().policies[0].max_metadata_age == 0s);
  CHECK(age(R"("8760h")").value().policies[0].max_metadata_age == 8760h);
  CHECK(age(R"("45")").value().policies[0].max_metadata_age == 45s);  // plain seconds, as -t takes them
  for (std::string bad : {R"("")", R"("-1m")", R"("10 m")", R"("1d")", R"("ten")"})
    refused(one(kBase + R"(, "maxMetadataAge": )" + bad), Errc::unsupported_value, {"maxMetadataAge", "invalid duration"});
  refused(one(kBase + R"(, "maxMetadataAge": "8761h")"), Errc::unsupported_value, {"maxMetadataAge", "longer than 8760h"});
  refused(one(kBase + R"(, "maxMetadataAge": "1500ms")"), Errc::unsupported_value, {"maxMetadataAge", "whole number of seconds"});
  refused(one(kBase + R"(, "maxMetadataAge": 600)"), Errc::malformed_json, {"maxMetadataAge", "expected a string"});
}

TEST_CASE("select: exact, then the longest prefix, then '*' - nothing matching denies") {
  auto doc = parse(R"({"version": "1.0", "policies": [
    {"name": "app", "scopes": ["localhost:5000/team/app"], "signatureVerification": {"level": "strict"}},
    {"name": "team", "scopes": ["localhost:5000/team/*"], "signatureVerification": {"level": "permissive"}},
    {"name": "host", "scopes": ["LocalHost:5000/*"], "signatureVerification": {"level": "audit"}},
    {"name": "sub", "scopes": ["localhost:5000/team/sub/*"], "signatureVerification": {"level": "strict"}},
    {"name": "rest", "scopes": ["*"], "signatureVerification": {"level": "strict"}}]})");
  REQUIRE(doc);
  auto pick = [&](std::string_view gun) {
    auto s = select(*doc, gun);
    INFO(gun);
    REQUIRE(s);
    return *s;
  };
  auto s = pick("localhost:5000/team/app");
  CHECK(s.policy == &doc->policies[0]);
  CHECK(s.scope == "localhost:5000/team/app");
  CHECK(s.why == "scope localhost:5000/team/app of policy app (exact)");
  s = pick("localhost:5000/team/other");
  CHECK(s.policy->name == "team");
  CHECK(s.why == "scope localhost:5000/team/* of policy team (longest prefix)");
  CHECK(pick("localhost:5000/team/app/x").policy->name == "team");  // a prefix covers deeper paths
  CHECK(pick("localhost:5000/team/sub/x").policy->name == "sub");   // the longer prefix wins, in any order
  CHECK(pick("localhost:5000/team").policy->name == "host");        // "team/*" is what is below team/
  CHECK(pick("localhost:5000/teamx/app").policy->name == "host");   // components, not characters
  CHECK(pick("LOCALHOST:5000/team/app").policy->name == "app");     // hosts are case-insensitive
  s = pick("localhost:5000/other");
  CHECK(s.policy->name == "host");
  CHECK(s.scope == "LocalHost:5000/*");
  s = pick("localhost:5001/team/app");
  CHECK(s.policy->name == "rest");
  CHECK(s.scope == "*");
  CHECK(s.why == "scope * of policy rest (global: no exact or prefix scope matches)");
  CHECK(pick("docker.io/library/alpine").policy->name == "rest");
}

TEST_CASE("select: no matching policy is a policy denial naming the GUN") {
  auto doc = parse(one(R"("name": "p", "scopes": ["localhost:5000/team/*"], "signatureVerification": {"level": "strict"})"),
                   "/etc/signy/policy.json");
  REQUIRE(doc);
  auto s = select(*doc, "localhost:5000/other/app");
  REQUIRE(!s);
  CHECK(s.error().code == Errc::policy_denied);
  CHECK(s.error().message.find("\"localhost:5000/other/app\"") != std::string::npos);
  CHECK(s.error().message.find("/etc/signy/policy.json") != std::string::npos);
  // A prefix scope does not cover the name it is written under.
  CHECK(select(*doc, "localhost:5000/team").error().code == Errc::policy_denied);
}

TEST_CASE("select: a name that is not a GUN is refused, never matched") {
  auto doc = default_document();
  for (std::string bad : {"", "alpine", "localhost:5000", "localhost:5000/team/../prod", "localhost:5000/a//b",
                          "localhost:5000/a\nb", "localhost:5000/*", "*"}) {
    auto s = select(doc, bad);
    INFO(bad);
    REQUIRE(!s);
    CHECK(s.error().code == Errc::unsupported_value);
    CHECK(s.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("the default document: one strict global policy") {
  auto doc = default_document();
  CHECK(doc.version == "1.0");
  CHECK(doc.source.empty());
  REQUIRE(doc.policies.size() == 1);
  const auto& p = doc.policies[0];
  CHECK(p.name == "default");
  CHECK(p.scopes == std::vector<std::string>{"*"});
  CHECK(p.level == Level::strict);
  CHECK_FALSE(p.require_in_toto);
  CHECK(p.require_image_digests);
  CHECK(p.root_keys.empty());
  CHECK(!p.root_ca);
  CHECK(p.signing_roles.empty());
  CHECK(p.max_metadata_age == 0s);
  auto s = select(doc, "localhost:5000/any/thing");
  REQUIRE(s);
  CHECK(s->policy == &doc.policies[0]);
  CHECK(s->why == "scope * of policy default (global: no exact or prefix scope matches)");
}

TEST_CASE("load: a regular file of at most kMaxPolicyBytes - errors name the file") {
  TempDir dir;
  auto file = dir.path() / "policy.json";
  REQUIRE(atomic_write(file, one(kBase), 0644));
  auto doc = load(file);
  REQUIRE(doc);
  CHECK(doc->source == file);
  CHECK(doc->policies[0].name == "p");

  auto bad = dir.path() / "bad.json";
  REQUIRE(atomic_write(bad, one(R"("name": "p", "scopes": ["alpine"], "signatureVerification": {"level": "strict"})"), 0644));
  auto e = load(bad);
  REQUIRE(!e);
  CHECK(e.error().code == Errc::unsupported_value);
  CHECK(e.error().message.rfind(bad.string() + ": policies[0] \"p\": scopes[0]: ", 0) == 0);

  auto big = dir.path() / "big.json";
  REQUIRE(atomic_write(big, std::string(kMaxPolicyBytes + 1, ' '), 0644));
  CHECK(load(big).error().code == Errc::too_large);

  auto fifo = dir.path() / "fifo.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto f = load(fifo);  // must not block
  REQUIRE(!f);
  CHECK(f.error().message.find("not a regular file") != std::string::npos);

  CHECK(load(dir.path()).error().code == Errc::io_error);
  CHECK(load(dir.path() / "missing.json").error().category() == ErrorCategory::local_io);
}

TEST_CASE("load_from_trust_dir: policy.json when it exists, the default only when nothing is there") {
  TempDir dir;
  auto none = load_from_trust_dir(dir.path());
  REQUIRE(none);
  CHECK(none->policies[0].name == "default");
  CHECK(none->source.empty());

  auto file = dir.path() / "policy.json";
  REQUIRE(atomic_write(file, one(kBase), 0644));
  auto doc = load_from_trust_dir(dir.path());
  REQUIRE(doc);
  CHECK(doc->policies[0].name == "p");
  CHECK(doc->source == file);

  // Anything there that is not a good policy file fails closed, never falls back to the default.
  REQUIRE(atomic_write(file, "{", 0644));
  CHECK(load_from_trust_dir(dir.path()).error().code == Errc::malformed_json);
  std::filesystem::remove(file);
  std::filesystem::create_symlink(dir.path() / "nowhere.json", file);
  CHECK(!load_from_trust_dir(dir.path()));
  std::filesystem::remove(file);
  std::filesystem::create_directory(file);
  CHECK(!load_from_trust_dir(dir.path()));
}

TEST_CASE("check_files: a trustedRoots.ca that is missing or not a regular file is an error naming the policy") {
  TempDir dir;
  auto file = dir.path() / "policy.json";
  REQUIRE(atomic_write(file, one(kBase + R"(, "trustedRoots": {"ca": "ca.pem"})"), 0644));
  auto doc = load(file);
  REQUIRE(doc);
  auto missing = check_files(*doc);
  REQUIRE(!missing);
  CHECK(missing.error().category() == ErrorCategory::local_io);
  CHECK(missing.error().message.rfind("policy \"p\": trustedRoots: ca: ", 0) == 0);
  CHECK(missing.error().message.find((dir.path() / "ca.pem").string()) != std::string::npos);
  std::filesystem::create_directory(dir.path() / "ca.pem");
  CHECK(!check_files(*doc));
  std::filesystem::remove(dir.path() / "ca.pem");
  REQUIRE(atomic_write(dir.path() / "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644));
  CHECK(check_files(*doc));
  CHECK(check_files(default_document()));
}

TEST_CASE("format_age writes Go's Duration.String of whole seconds") {
  CHECK(format_age(0s) == "0s");
  CHECK(format_age(45s) == "45s");
  CHECK(format_age(60s) == "1m0s");
  CHECK(format_age(600s) == "10m0s");
  CHECK(format_age(3600s) == "1h0m0s");
  CHECK(format_age(5430s) == "1h30m30s");
  CHECK(format_age(8760h) == "8760h0m0s");
}
