// The Notary HTTP store over the fake transport: URL layout, the publish form, the mapping of
// the server's answers to errors, token auth with a token cache per scope.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "fake_transport.hpp"
#include "signy/notary/remote.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
using signy::net::Method;
using signy::testing::FakeTransport;
using signy::testing::Scripted;

namespace {
const std::string kBase = "https://notary.test/v2/example.com/app/_trust/tuf/";

// The store and a handle on its fake (owned by the store). No credentials from the environment.
struct Store {
  FakeTransport* fake;
  std::unique_ptr<notary::Remote> remote;
};
Store open(const std::string& gun = "example.com/app") {
  auto fake = std::make_unique<FakeTransport>();
  auto* raw = fake.get();
  auto remote = notary::open_remote(std::string("https://notary.test/"), gun, std::move(fake));
  REQUIRE(remote);
  return {raw, std::move(*remote)};
}

struct NoCredentials {  // SIGNY_AUTH unset and an empty docker config directory
  TempDir dir;
  NoCredentials() {
    ::unsetenv("SIGNY_AUTH");
    ::setenv("DOCKER_CONFIG", dir.path().c_str(), 1);
  }
  ~NoCredentials() { ::unsetenv("DOCKER_CONFIG"); }
};

std::string notary_error(const std::string& code, const std::string& message) {
  return R"({"errors":[{"code":")" + code + R"(","message":")" + message + R"(","detail":{}}]})";
}
}  // namespace

TEST_CASE("notary store: metadata URLs by name, hash and version, the body as served") {
  NoCredentials none;
  auto s = open();
  s.fake->on(Method::get, kBase + "root.json", {200, "{\"r\":1}", {}});
  s.fake->on(Method::get, kBase + "snapshot.abcd.json", {200, "snap", {}});
  s.fake->on(Method::get, kBase + "3.root.json", {200, "v3", {}});
  CHECK(s.remote->fetch("root", 100).value() == "{\"r\":1}");
  CHECK(s.remote->fetch_by_hash("snapshot", "abcd", 100).value() == "snap");
  CHECK(s.remote->fetch_by_version("root", 3, 100).value() == "v3");
  REQUIRE(s.fake->requests().size() == 3);
  for (const auto& r : s.fake->requests()) CHECK(r.authorization.empty());
  // The cap is the caller's: one byte less than the body is refused.
  CHECK(s.remote->fetch("root", 6).error().code == Errc::too_large);
}

TEST_CASE("notary store: a 404 is the server's (network category), never local I/O") {
  NoCredentials none;
  auto s = open();
  auto missing = s.remote->fetch("root", 100);
  REQUIRE(!missing);
  CHECK(missing.error().code == Errc::not_found_remote);
  CHECK(missing.error().category() == ErrorCategory::network);
  CHECK(missing.error().message.find("not found on the server") != std::string::npos);
  CHECK(tuf::is_missing(missing.error()));  // what first sign looks for to create a collection
  auto key = s.remote->server_key("timestamp");
  REQUIRE(!key);
  CHECK(key.error().code == Errc::not_found_remote);
  auto del = s.remote->delete_collection();
  REQUIRE(!del);
  CHECK(del.error().code == Errc::not_found_remote);
  CHECK(del.error().message.find("no such collection on the server") != std::string::npos);
}

TEST_CASE("notary store: 5xx, 403 and odd statuses are network errors with the server's message") {
  NoCredentials none;
  auto s = open();
  s.fake->on(Method::get, kBase + "root.json", {500, notary_error("UNKNOWN", "boom\\nsecond line"), {}});
  auto r = s.remote->fetch("root", 1000);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::network);
  CHECK(r.error().message.find("HTTP 500: UNKNOWN: boom second line") != std::string::npos);  // one line
  s.fake->on(Method::get, kBase + "targets.json", {403, "denied", {}});
  auto f = s.remote->fetch("targets", 1000);
  REQUIRE(!f);
  CHECK(f.error().code == Errc::network);
  CHECK(f.error().message.find("HTTP 403") != std::string::npos);
  s.fake->fail_on(Method::get, kBase + "snapshot.json", Error{Errc::network, "connection refused"});
  CHECK(s.remote->fetch("snapshot", 1000).error().code == Errc::network);
}

TEST_CASE("notary store: publish sends one multipart part per role, named files, to the collection URL") {
  NoCredentials none;
  auto s = open();
  s.fake->on(Method::post, kBase, {200, "", {}});
  REQUIRE(s.remote->publish({{"root", "R"}, {"targets", "T"}}));
  REQUIRE(s.fake->requests().size() == 1);
  const auto& req = s.fake->requests()[0];
  CHECK(req.method == Method::post);
  CHECK(req.url == kBase);
  REQUIRE(req.parts.size() == 2);
  CHECK(req.parts[0] == std::make_pair(std::string("root"), std::string("R")));
  CHECK(req.parts[1] == std::make_pair(std::string("targets"), std::string("T")));
}

TEST_CASE("notary store: publish refusals map to conflict, network or read-only, never to a signature error") {
  NoCredentials none;
  auto s = open();
  s.fake->on(Method::post, kBase, {400, notary_error("VERSION", "old version"), {}});
  auto version = s.remote->publish({{"targets", "T"}});
  REQUIRE(!version);
  CHECK(version.error().code == Errc::conflict);  // sign's retry relies on it
  s = open();
  s.fake->on(Method::post, kBase, {400, notary_error("UPDATE", "invalid update"), {}});
  auto invalid = s.remote->publish({{"targets", "T"}});
  REQUIRE(!invalid);
  CHECK(invalid.error().code == Errc::network);
  CHECK(invalid.error().category() != ErrorCategory::verification);
  CHECK(invalid.error().message.find("the Notary server refused the update: HTTP 400: UPDATE: invalid update") != std::string::npos);
  s = open();
  s.fake->on(Method::post, kBase, {405, "", {}});
  CHECK(s.remote->publish({{"targets", "T"}}).error().code == Errc::read_only);
  s = open();
  s.fake->on(Method::post, kBase, {503, "", {}});
  CHECK(s.remote->publish({{"targets", "T"}}).error().code == Errc::network);
}

TEST_CASE("notary store: token auth per scope, cached for later requests") {
  NoCredentials none;
  auto s = open();
  const std::string realm = "https://auth.test/token";
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + realm + "\",service=\"notary\",scope=\"repository:example.com/app:pull\""};
  s.fake->on(Method::get, kBase + "root.json", {401, "", {challenge}}).on(Method::get, kBase + "root.json", {200, "R", {}});
  s.fake->on(Method::get, kBase + "targets.json", {200, "T", {}});
  s.fake->on(Method::get, realm + "?service=notary&scope=repository%3Aexample.com%2Fapp%3Apull", {200, R"({"token":"tok1"})", {}});
  CHECK(s.remote->fetch("root", 100).value() == "R");
  CHECK(s.remote->fetch("targets", 100).value() == "T");
  const auto& reqs = s.fake->requests();
  REQUIRE(reqs.size() == 4);  // root (401), token, root again, targets
  CHECK(reqs[0].authorization.empty());
  CHECK(reqs[1].url.rfind(realm, 0) == 0);
  CHECK(reqs[1].authorization.empty());  // anonymous: no credentials anywhere
  CHECK(reqs[2].authorization == "Bearer tok1");
  CHECK(reqs[3].authorization == "Bearer tok1");  // same scope: the cached token, no new token request
  CHECK(s.fake->count(Method::get, reqs[1].url) == 1);
}

TEST_CASE("notary store: publish asks for its own scope, with the user's credentials") {
  ::setenv("SIGNY_AUTH", base64_encode(as_bytes(std::string("ci:secret"))).c_str(), 1);
  auto s = open();
  const std::string realm = "https://auth.test/token";
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + realm + "\",service=\"notary\""};
  s.fake->on(Method::post, kBase, {401, "", {challenge}}).on(Method::post, kBase, {200, "", {}});
  auto token_url = realm + "?service=notary&scope=repository%3Aexample.com%2Fapp%3Apush%2Cpull";
  s.fake->on(Method::get, token_url, {200, R"({"access_token":"tok2"})", {}});
  REQUIRE(s.remote->publish({{"targets", "T"}}));
  ::unsetenv("SIGNY_AUTH");
  const auto& reqs = s.fake->requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[1].url == token_url);
  CHECK(reqs[1].authorization == "Basic " + base64_encode(as_bytes(std::string("ci:secret"))));
  CHECK(reqs[2].authorization == "Bearer tok2");
  REQUIRE(reqs[2].parts.size() == 1);  // the form is sent again whole
  CHECK(reqs[2].parts[0].second == "T");
}

TEST_CASE("notary store: a refused token, a refused token request and a hostile realm are clear errors") {
  NoCredentials none;
  auto s = open();
  const std::string realm = "https://auth.test/token";
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + realm + "\",service=\"notary\""};
  auto token_url = realm + "?service=notary&scope=repository%3Aexample.com%2Fapp%3Apull";
  s.fake->on(Method::get, kBase + "root.json", {401, notary_error("UNAUTHORIZED", "nope"), {challenge}});
  s.fake->on(Method::get, token_url, {200, R"({"token":"t"})", {}});
  auto refused = s.remote->fetch("root", 100);
  REQUIRE(!refused);
  CHECK(refused.error().code == Errc::unauthorized);
  CHECK(refused.error().message.find("the server refused the token for repository:example.com/app:pull (HTTP 401: UNAUTHORIZED: nope)") !=
        std::string::npos);
  CHECK(s.fake->count(Method::get, kBase + "root.json") == 2);  // retried once, not more

  auto t = open();
  t.fake->on(Method::get, kBase + "root.json", {401, "", {challenge}});
  t.fake->on(Method::get, token_url, {401, "", {}});
  auto anon = t.remote->fetch("root", 100);
  REQUIRE(!anon);
  CHECK(anon.error().code == Errc::unauthorized);
  CHECK(anon.error().message.find("refused an anonymous request") != std::string::npos);

  auto u = open();
  u.fake->on(Method::get, kBase + "root.json", {401, "", {{"www-authenticate", "Bearer realm=\"http://evil.test/t\""}}});
  auto evil = u.remote->fetch("root", 100);
  REQUIRE(!evil);
  CHECK(evil.error().code == Errc::untrusted_key);
  CHECK(u.fake->requests().size() == 1);  // nothing sent to the realm
}
