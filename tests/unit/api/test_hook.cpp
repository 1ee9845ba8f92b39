// The pre-install hook protocol (api/hook.hpp): hostile requests (every key, type, size and
// version rule), the CNAB runtime variables, the verdict document and the exit code classes.
#include <catch2/catch.hpp>
#include <map>

#include "signy/api/hook.hpp"

using namespace signy;

namespace {

Errc parse_error(std::string_view text) {
  auto r = api::parse_hook_request(text);
  REQUIRE_FALSE(r);
  return r.error().code;
}

std::string parse_message(std::string_view text) {
  auto r = api::parse_hook_request(text);
  REQUIRE_FALSE(r);
  return r.error().message;
}

api::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

api::Report allowed() {
  api::Report r;
  r.verdict = api::Verdict::allow;
  r.denial = api::Denial::none;
  r.reason = "allowed";
  r.action = "install";
  r.reference = "localhost:5000/org/app:v1";
  r.gun = "localhost:5000/org/app";
  r.target = "v1";
  r.role = "targets";
  r.role_version = 3;
  r.bundle.length = 600;
  r.bundle.sha256.fill(0xab);
  r.images.push_back({"invocationImages[0]", "localhost:5000/org/inst:1", "localhost:5000/org/inst@sha256:" + std::string(64, '1')});
  r.checks.push_back({"tuf", api::CheckStatus::passed, "targets version 3", std::nullopt});
  r.checks.push_back({"bundle-digest", api::CheckStatus::passed, "600 bytes", std::nullopt});
  return r;
}

}  // namespace

TEST_CASE("hook request: a full request and a minimal one parse") {
  auto r = api::parse_hook_request(
      R"({"version":"1","action":"upgrade","bundle":{"reference":"localhost:5000/org/app:v1","path":"b.tgz"},)"
      R"("relocationMap":"reloc.json","runtime":"porter","installation":"prod-app"})");
  REQUIRE(r);
  CHECK(r->action == "upgrade");
  CHECK(r->reference == "localhost:5000/org/app:v1");
  CHECK(r->bundle_path == std::filesystem::path("b.tgz"));
  CHECK(r->relocation_map == std::filesystem::path("reloc.json"));
  CHECK(r->runtime == "porter");
  CHECK(r->installation == "prod-app");
  auto b = api::bundle_request(*r);
  CHECK(b.action == "upgrade");
  CHECK(b.thick_file == std::filesystem::path("b.tgz"));
  CHECK(b.images.relocation_map == std::filesystem::path("reloc.json"));
  CHECK(b.runtime == "porter");

  auto m = api::parse_hook_request(R"({"action":"io.cnab.status","bundle":{"reference":"r:1"}})");
  REQUIRE(m);
  CHECK(m->action == "io.cnab.status");
  CHECK_FALSE(m->bundle_path);
  CHECK_FALSE(m->relocation_map);
  CHECK(api::bundle_request(*m).thick_file == std::nullopt);
}

TEST_CASE("hook request: malformed, hostile and oversized requests are refused") {
  CHECK(parse_error("") == Errc::malformed_json);
  CHECK(parse_error("[]") == Errc::malformed_json);
  CHECK(parse_error(R"({"action":"install"})") == Errc::malformed_json);                      // no bundle
  CHECK(parse_error(R"({"bundle":{"reference":"r:1"}})") == Errc::malformed_json);            // no action
  CHECK(parse_error(R"({"action":"install","bundle":{}})") == Errc::malformed_json);           // no reference
  CHECK(parse_error(R"({"action":"install","bundle":"r:1"})") == Errc::malformed_json);        // bundle not an object
  CHECK(parse_error(R"({"action":1,"bundle":{"reference":"r:1"}})") == Errc::malformed_json);  // wrong type
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":["r:1"]}})") == Errc::malformed_json);
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":"r:1","path":null}})") == Errc::malformed_json);
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":"r:1"},"runtime":7})") == Errc::malformed_json);
  // Unknown keys, at either level: a v1 verifier must not silently ignore what it does not know.
  CHECK(parse_message(R"({"action":"install","bundle":{"reference":"r:1"},"skipVerify":true})") ==
        "request: unknown key \"skipVerify\" (protocol version 1)");
  CHECK(parse_message(R"({"action":"install","bundle":{"reference":"r:1","digest":"x"}})") ==
        "request: unknown key \"bundle.digest\" (protocol version 1)");
  // Duplicate keys (which one would a runtime's parser take?), trailing data, deep nesting.
  CHECK(parse_error(R"({"action":"install","action":"uninstall","bundle":{"reference":"r:1"}})") == Errc::duplicate_key);
  CHECK_FALSE(api::parse_hook_request(R"({"action":"install","bundle":{"reference":"r:1"}} {})"));
  CHECK_FALSE(api::parse_hook_request(R"({"action":"install","bundle":{"reference":"r:1"},"runtime":[[[[["x"]]]]]})"));
  // Versions.
  CHECK(parse_error(R"({"version":"2","action":"install","bundle":{"reference":"r:1"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"version":1,"action":"install","bundle":{"reference":"r:1"}})") == Errc::malformed_json);
  // Values: empty, control bytes, action names, sizes.
  CHECK(parse_error(R"({"action":"","bundle":{"reference":"r:1"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":""}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":"install\n","bundle":{"reference":"r:1"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":"r:1\u001b[2J"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":"rm -rf","bundle":{"reference":"r:1"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":")" + std::string(129, 'a') + R"(","bundle":{"reference":"r:1"}})") == Errc::unsupported_value);
  CHECK(parse_error(R"({"action":"install","bundle":{"reference":")" + std::string(api::kMaxHookField + 1, 'r') + R"("}})") ==
        Errc::too_large);
  std::string big = R"({"action":"install","bundle":{"reference":"r:1"},"runtime":")" + std::string(api::kMaxHookRequestBytes, 'x') + R"("})";
  CHECK(parse_error(big) == Errc::too_large);
  CHECK(parse_error("{\"action\":\"install\",\"bundle\":{\"reference\":\"r:1\xff\"}}") == Errc::malformed_json);
}

TEST_CASE("hook request from the CNAB runtime variables (cnab-spec 103)") {
  auto r = api::hook_request_from_env(env({{"CNAB_ACTION", "uninstall"},
                                           {"SIGNY_BUNDLE_REFERENCE", "localhost:5000/org/app:v1"},
                                           {"SIGNY_BUNDLE_PATH", "b.tgz"},
                                           {"SIGNY_RUNTIME", "ci"},
                                           {"CNAB_INSTALLATION_NAME", "prod"},
                                           {"CNAB_BUNDLE_NAME", "app"},
                                           {"CNAB_BUNDLE_VERSION", "0.1.0"}}));
  REQUIRE(r);
  CHECK(r->action == "uninstall");
  CHECK(r->reference == "localhost:5000/org/app:v1");
  CHECK(r->bundle_path == std::filesystem::path("b.tgz"));
  CHECK(r->runtime == "ci");
  CHECK(r->installation == "prod");
  CHECK(r->bundle_name == std::optional<std::string>("app"));
  CHECK(r->bundle_version == std::optional<std::string>("0.1.0"));

  auto no_action = api::hook_request_from_env(env({{"SIGNY_BUNDLE_REFERENCE", "r:1"}}));
  REQUIRE_FALSE(no_action);
  CHECK(no_action.error().message == "--env: CNAB_ACTION is not set");
  auto no_ref = api::hook_request_from_env(env({{"CNAB_ACTION", "install"}}));
  REQUIRE_FALSE(no_ref);
  CHECK(no_ref.error().message == "--env: SIGNY_BUNDLE_REFERENCE is not set");
  CHECK_FALSE(api::hook_request_from_env(env({{"CNAB_ACTION", ""}, {"SIGNY_BUNDLE_REFERENCE", "r:1"}})));
  CHECK_FALSE(api::hook_request_from_env(env({{"CNAB_ACTION", "install"}, {"SIGNY_BUNDLE_REFERENCE", "r:1\n"}})));
  CHECK_FALSE(api::hook_request_from_env(env({{"CNAB_ACTION", "in stall"}, {"SIGNY_BUNDLE_REFERENCE", "r:1"}})));
}

TEST_CASE("hook verdict: an allow names the verified bytes and the digest-pinned images") {
  auto j = api::hook_verdict(allowed());
  CHECK(j["version"] == "1");
  CHECK(j["verdict"] == "allow");
  CHECK(j["denial"].is_null());
  CHECK(j["error"].is_null());
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  CHECK(j["bundle"]["digest"] == "sha256:" + ab);
  CHECK(j["bundle"]["length"] == 600);
  CHECK(j["roleVersion"] == 3);
  REQUIRE(j["images"].size() == 1);
  CHECK(j["images"][0]["reference"] == "localhost:5000/org/inst@sha256:" + std::string(64, '1'));
  CHECK(j["checks"][0]["status"] == "passed");
  CHECK(api::hook_exit_code(allowed()) == 0);
}

// Found by review: an allow of policy level skip, or audit past a failed digest check, carried a
// zero "sha256:000..." digest and length 0 as if those bytes had been verified.
TEST_CASE("hook verdict: an allow whose bundle bytes were not verified names no bytes and no images") {
  auto r = allowed();
  for (auto& c : r.checks)
    if (c.name == "bundle-digest") c.status = api::CheckStatus::skipped;
  auto j = api::hook_verdict(r);
  CHECK(j["verdict"] == "allow");
  CHECK(j["bundle"].is_null());
  CHECK(j["images"].empty());
  CHECK(j["inToto"].is_null());
  CHECK(api::hook_exit_code(r) == 0);
}

TEST_CASE("hook verdict: a deny names no bytes and no images, and its class decides the exit code") {
  auto r = allowed();
  r.verdict = api::Verdict::deny;
  r.denial = api::Denial::verification;
  r.error = Error{Errc::hash_mismatch, "sha256 differs"};
  r.reason = r.error->message;
  auto j = api::hook_verdict(r);
  CHECK(j["verdict"] == "deny");
  CHECK(j["denial"] == "verification");
  CHECK(j["error"]["code"] == "hash_mismatch");
  CHECK(j["bundle"].is_null());
  CHECK(j["images"].empty());
  CHECK(api::hook_exit_code(r) == 1);
  r.denial = api::Denial::bad_request;
  CHECK(api::hook_exit_code(r) == 2);
  r.denial = api::Denial::not_signed;
  CHECK(api::hook_exit_code(r) == 3);
  r.denial = api::Denial::infrastructure;
  CHECK(api::hook_exit_code(r) == 4);
  r.denial = api::Denial::none;  // a deny without a class still denies
  CHECK(api::hook_exit_code(r) == 4);

  auto d = api::hook_denied(Error{Errc::too_large, "request: larger than 65536 bytes"}, api::Denial::bad_request);
  CHECK(d.verdict == api::Verdict::deny);
  CHECK(api::hook_exit_code(d) == 2);
  CHECK(api::hook_verdict(d)["reason"] == "request: larger than 65536 bytes");
}
