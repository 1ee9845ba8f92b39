// net::AuthClient over the fake transport: Bearer and Basic challenges, the token cache per scope,
// streamed bodies that never see a 401's body.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

#include "fake_transport.hpp"
#include "signy/net/auth.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
using signy::net::Method;
using signy::testing::FakeTransport;

namespace {
struct Client {
  FakeTransport* fake;
  std::unique_ptr<net::AuthClient> auth;
};
Client make(const std::string& server, std::optional<std::string> config = {}) {
  auto fake = std::make_unique<FakeTransport>();
  auto* raw = fake.get();
  return {raw, std::make_unique<net::AuthClient>(std::move(fake), server, std::move(config))};
}
net::Request get(const std::string& url) {
  net::Request r;
  r.url = url;
  return r;
}
const std::string kRealm = "https://auth.test/token";
}  // namespace

TEST_CASE("auth client: one token per scope, each fetched once, the challenge's scope wins") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  auto challenge = [](const std::string& scope) {
    return net::Header{"www-authenticate", "Bearer realm=\"" + kRealm + "\",service=\"reg\",scope=\"" + scope + "\""};
  };
  c.fake->on(Method::get, "https://reg.test/v2/a/manifests/x", {401, "", {challenge("repository:a:pull")}})
      .on(Method::get, "https://reg.test/v2/a/manifests/x", {200, "A", {}});
  c.fake->on(Method::get, "https://reg.test/v2/b/manifests/x", {401, "", {challenge("repository:b:pull")}})
      .on(Method::get, "https://reg.test/v2/b/manifests/x", {200, "B", {}});
  c.fake->on(Method::get, kRealm + "?service=reg&scope=repository%3Aa%3Apull", {200, R"({"token":"ta"})", {}});
  c.fake->on(Method::get, kRealm + "?service=reg&scope=repository%3Ab%3Apull", {200, R"({"token":"tb"})", {}});
  CHECK(c.auth->fetch(get("https://reg.test/v2/a/manifests/x"), "repository:a:pull", 10).value().body == "A");
  CHECK(c.auth->fetch(get("https://reg.test/v2/b/manifests/x"), "repository:b:pull", 10).value().body == "B");
  CHECK(c.auth->fetch(get("https://reg.test/v2/a/manifests/x"), "repository:a:pull", 10).value().body == "A");
  CHECK(c.fake->count(Method::get, kRealm + "?service=reg&scope=repository%3Aa%3Apull") == 1);
  CHECK(c.fake->count(Method::get, kRealm + "?service=reg&scope=repository%3Ab%3Apull") == 1);
  const auto& last = c.fake->requests().back();
  CHECK(last.authorization == "Bearer ta");
}

TEST_CASE("auth client: a 401's body never reaches the sink, the retried body does, in pieces") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + kRealm + "\",service=\"reg\""};
  c.fake->on(Method::get, "https://reg.test/blob", {401, "UNAUTHORIZED BODY", {challenge}})
      .on(Method::get, "https://reg.test/blob", {200, "0123456789", {}});
  c.fake->on(Method::get, kRealm + "?service=reg&scope=repository%3Ar%3Apull", {200, R"({"token":"t"})", {}});
  std::string got;
  int pieces = 0;
  auto head = c.auth->send(get("https://reg.test/blob"), "repository:r:pull", [&](const net::ResponseHead& h, std::string_view chunk) -> Status {
    CHECK(h.status == 200);
    got.append(chunk);
    ++pieces;
    return {};
  }, 10);
  INFO((head ? "" : head.error().message));
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(got == "0123456789");
  CHECK(pieces == 2);
  // A sink's error ends the transfer and is the result.
  auto stopped = c.auth->send(get("https://reg.test/blob"), "repository:r:pull",
                              [](const net::ResponseHead&, std::string_view) -> Status { return fail(Errc::hash_mismatch, "digest"); }, 10);
  REQUIRE(!stopped);
  CHECK(stopped.error().code == Errc::hash_mismatch);
}

TEST_CASE("auth client: Basic challenges get the credentials over https only, once") {
  ::setenv("SIGNY_AUTH", base64_encode(as_bytes(std::string("u:p"))).c_str(), 1);
  auto c = make("https://reg.test");
  c.fake->on(Method::get, "https://reg.test/v2/", {401, "", {{"www-authenticate", "Basic realm=\"registry\""}}})
      .on(Method::get, "https://reg.test/v2/", {200, "{}", {}});
  auto ok = c.auth->fetch(get("https://reg.test/v2/"), "registry:catalog:*", 100);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(c.fake->requests().back().authorization == "Basic " + base64_encode(as_bytes(std::string("u:p"))));

  auto refused = make("https://reg.test");
  refused.fake->on(Method::get, "https://reg.test/v2/", {401, "", {{"www-authenticate", "Basic realm=\"registry\""}}});
  auto r = refused.auth->fetch(get("https://reg.test/v2/"), "s", 100);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unauthorized);
  CHECK(r.error().message.find("refused the credentials") != std::string::npos);
  CHECK(refused.fake->requests().size() == 2);

  auto plain = make("http://reg.example.com");
  plain.fake->on(Method::get, "http://reg.example.com/v2/", {401, "", {{"www-authenticate", "Basic realm=\"r\""}}});
  auto p = plain.auth->fetch(get("http://reg.example.com/v2/"), "s", 100);
  ::unsetenv("SIGNY_AUTH");
  REQUIRE(!p);
  CHECK(p.error().code == Errc::untrusted_key);
  CHECK(plain.fake->requests().size() == 1);  // the password never sent in clear text
}

TEST_CASE("auth client: without credentials a Basic 401 comes back as it is, body included") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  c.fake->on(Method::get, "https://reg.test/v2/", {401, "need auth", {{"www-authenticate", "Basic realm=\"r\""}}});
  auto r = c.auth->fetch(get("https://reg.test/v2/"), "s", 100);
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->body == "need auth");
  CHECK(c.fake->requests().size() == 1);
}

TEST_CASE("auth client: a streamed upload is sent again only when it can rewind") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + kRealm + "\",service=\"reg\""};
  c.fake->on(Method::put, "https://reg.test/up", {401, "", {challenge}}).on(Method::put, "https://reg.test/up", {201, "", {}});
  c.fake->on(Method::get, kRealm + "?service=reg&scope=repository%3Ar%3Apush", {200, R"({"token":"t"})", {}});
  std::string data = "blob bytes";
  std::size_t pos = 0;
  net::Request put;
  put.method = Method::put;
  put.url = "https://reg.test/up";
  put.source = net::BodySource{data.size(), [&](char* buf, std::size_t len) -> Result<std::size_t> {
                                 std::size_t n = std::min(len, data.size() - pos);
                                 std::memcpy(buf, data.data() + pos, n);
                                 pos += n;
                                 return n;
                               },
                               {}};
  auto once = c.auth->fetch(put, "repository:r:push", 100);
  REQUIRE(once);
  CHECK(once->status == 401);  // no rewind: not sent again
  CHECK(c.fake->requests().size() == 1);
  pos = 0;
  put.source->rewind = [&]() -> Status {
    pos = 0;
    return {};
  };
  auto twice = c.auth->fetch(put, "repository:r:push", 100);
  REQUIRE(twice);
  CHECK(twice->status == 201);
  CHECK(c.fake->requests().back().body == data);  // the whole body again
}

TEST_CASE("auth client: a body over the caller's cap names the caller's cap, however it is caught") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  c.fake->on(Method::get, "https://reg.test/small", {200, std::string(20, 'x'), {}});
  c.fake->on(Method::get, "https://reg.test/endless", {200, std::string(100'000, 'x'), {}});
  for (const char* path : {"/small", "/endless"}) {
    auto url = std::string("https://reg.test") + path;
    auto r = c.auth->fetch(get(url), "s", 10);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::too_large);
    CHECK(r.error().message == url + ": response exceeds the 10-byte limit (endless data?)");
  }
}

TEST_CASE("auth client: a server refusing Basic credentials again is named as such") {
  ::setenv("SIGNY_AUTH", base64_encode(as_bytes(std::string("u:p"))).c_str(), 1);
  auto c = make("https://reg.test");
  net::Header basic{"www-authenticate", "Basic realm=\"r\""};
  c.fake->on(Method::get, "https://reg.test/a", {401, "", {basic}}).on(Method::get, "https://reg.test/a", {200, "A", {}})
      .on(Method::get, "https://reg.test/a", {401, "", {basic}});
  CHECK(c.auth->fetch(get("https://reg.test/a"), "s", 10).value().body == "A");
  auto r = c.auth->fetch(get("https://reg.test/a"), "s", 10);  // the cached credentials refused now
  ::unsetenv("SIGNY_AUTH");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unauthorized);
  CHECK(r.error().message == "https://reg.test: the server refused the credentials");
}

TEST_CASE("auth client: a challenge naming two scopes asks the realm with one scope= parameter each") {
  // distribution answers a cross-repository mount with scope="repository:a:pull,push repository:b:pull"
  // (oci-formats 4.1); token.md: one scope parameter per scope.
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  const std::string url = "https://reg.test/v2/a/blobs/uploads/?mount=sha256:00&from=b";
  c.fake->on(Method::post, url,
             {401, "", {{"www-authenticate", "Bearer realm=\"" + kRealm + "\",service=\"reg\",scope=\"repository:a:pull,push repository:b:pull\""}}})
      .on(Method::post, url, {201, "", {}});
  const std::string token_url = kRealm + "?service=reg&scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%3Apull";
  c.fake->on(Method::get, token_url, {200, R"({"token":"tm"})", {}});
  net::Request r;
  r.method = Method::post;
  r.url = url;
  auto res = c.auth->fetch(r, "repository:a:pull,push repository:b:pull", 10);
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(c.fake->count(Method::get, token_url) == 1);
  CHECK(c.fake->requests().back().authorization == "Bearer tm");
}

TEST_CASE("auth client: credentials a Basic server accepted go with the next requests of any scope at once") {
  // docker-registry with htpasswd answers every scope with the same Basic challenge: asking once
  // per scope doubled the requests of a registry walk.
  ::setenv("SIGNY_AUTH", base64_encode(as_bytes(std::string("u:p"))).c_str(), 1);
  auto c = make("https://reg.test");
  const std::string basic = "Basic " + base64_encode(as_bytes(std::string("u:p")));
  c.fake->on(Method::get, "https://reg.test/v2/a/manifests/x", {401, "", {{"www-authenticate", "Basic realm=\"registry\""}}})
      .on(Method::get, "https://reg.test/v2/a/manifests/x", {200, "A", {}});
  c.fake->on(Method::get, "https://reg.test/v2/b/manifests/x", {200, "B", {}});  // the fake does not check it: see below
  CHECK(c.auth->fetch(get("https://reg.test/v2/a/manifests/x"), "repository:a:pull", 10).value().body == "A");
  CHECK(c.auth->fetch(get("https://reg.test/v2/b/manifests/x"), "repository:b:pull", 10).value().body == "B");
  ::unsetenv("SIGNY_AUTH");
  CHECK(c.fake->requests().size() == 3);
  CHECK(c.fake->requests().back().authorization == basic);
  // Never to another host, nor over plain http to a non-loopback one.
  auto other = c.auth->fetch(get("https://elsewhere.test/v2/"), "s", 10);
  CHECK(c.fake->requests().back().authorization.empty());
}

TEST_CASE("auth client: the token request's query values are percent-encoded as curl_easy_escape encoded them") {
  // RFC 3986 unreserved characters as they are, every other byte as %XX in upper case (a space
  // too: not '+').
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto c = make("https://reg.test", (d.path() / "none.json").string());
  net::Header challenge{"www-authenticate", "Bearer realm=\"" + kRealm + "\",service=\"my reg\xc3\xa9\",scope=\"repository:org/app-1_x.y~z:pull,push\""};
  c.fake->on(Method::get, "https://reg.test/v2/org/app-1_x.y~z/manifests/x", {401, "", {challenge}})
      .on(Method::get, "https://reg.test/v2/org/app-1_x.y~z/manifests/x", {200, "A", {}});
  const std::string token_url = kRealm + "?service=my%20reg%C3%A9&scope=repository%3Aorg%2Fapp-1_x.y~z%3Apull%2Cpush";
  c.fake->on(Method::get, token_url, {200, R"({"token":"t"})", {}});
  CHECK(c.auth->fetch(get("https://reg.test/v2/org/app-1_x.y~z/manifests/x"), "repository:org/app-1_x.y~z:pull", 10).value().body == "A");
  CHECK(c.fake->count(Method::get, token_url) == 1);
}
