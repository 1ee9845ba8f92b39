// Token authentication pieces: challenges from a hostile server, credentials from the docker
// config and credential helpers.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "signy/net/auth.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::net;

TEST_CASE("Bearer challenges: realm, service and scope, quoted or not") {
  auto c = parse_bearer_challenge(
               R"(Bearer realm="https://auth.example.com/token",service="notary",scope="repository:a/b:pull,push")")
               .value();
  CHECK(c.realm == "https://auth.example.com/token");
  CHECK(c.service == "notary");
  CHECK(c.scope == "repository:a/b:pull,push");
  auto q = parse_bearer_challenge(R"(Bearer realm="https://x/t",service="a \"quoted\" name", error="invalid_token")").value();
  CHECK(q.service == "a \"quoted\" name");
  CHECK(parse_bearer_challenge("Bearer realm=http://127.0.0.1:5001/token").value().realm == "http://127.0.0.1:5001/token");
}

TEST_CASE("hostile challenges are refused with their own error") {
  CHECK(parse_bearer_challenge(R"(Basic realm="x")").error().code == Errc::malformed_json);
  CHECK(parse_bearer_challenge(R"(Bearer service="notary")").error().code == Errc::malformed_json);  // no realm
  CHECK(parse_bearer_challenge(R"(Bearer realm="https://x/t)").error().code == Errc::malformed_json);  // unterminated
  CHECK(parse_bearer_challenge(R"(Bearer =x)").error().code == Errc::malformed_json);
  // Credentials never go to a plain-http realm elsewhere than loopback, nor to another scheme.
  CHECK(parse_bearer_challenge(R"(Bearer realm="http://evil.example.com/token")").error().code == Errc::untrusted_key);
  CHECK(parse_bearer_challenge(R"(Bearer realm="http://127.0.0.1.evil.com/token")").error().code == Errc::untrusted_key);
  CHECK(parse_bearer_challenge(R"(Bearer realm="file:///etc/passwd")").error().code == Errc::untrusted_key);
  CHECK(!parse_bearer_challenge("Bearer realm=\"" + std::string(100000, 'a') + "\""));
}

TEST_CASE("plain http is loopback only") {
  CHECK(is_loopback_http("http://127.0.0.1"));
  CHECK(is_loopback_http("http://127.0.0.1:4443/v2"));
  CHECK(is_loopback_http("http://localhost/token"));
  CHECK(!is_loopback_http("http://127.0.0.1.example.com/token"));
  CHECK(!is_loopback_http("http://localhost.example.com"));
  CHECK(!is_loopback_http("https://127.0.0.1"));
}

TEST_CASE("url_host keeps host and port only") {
  CHECK(url_host("https://notary.example.com:4443/v2/x") == "notary.example.com:4443");
  CHECK(url_host("notary.example.com") == "notary.example.com");
  CHECK(url_host("http://127.0.0.1:5000") == "127.0.0.1:5000");
}

namespace {
std::string b64(const std::string& s) { return base64_encode(as_bytes(s)); }
struct Env {  // sets a variable for one test case
  std::string name;
  Env(const char* n, const std::string& v) : name(n) { ::setenv(n, v.c_str(), 1); }
  ~Env() { ::unsetenv(name.c_str()); }
};
std::string write_config(const TempDir& d, const std::string& json) {
  auto p = (d.path() / "config.json").string();
  std::ofstream(p) << json;
  return p;
}
}  // namespace

TEST_CASE("docker config credentials: auth field, username/password, host spelled with a scheme") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto p = write_config(d, R"({"auths":{"https://notary.example.com:4443":{"auth":")" + b64("ci:pa:ss") + R"("},
                                         "other.example.com":{"username":"u","password":"p"}}})");
  auto c = find_credentials("notary.example.com:4443", p).value();
  REQUIRE(c);
  CHECK(c->username.view() == "ci");
  CHECK(c->password.view() == "pa:ss");  // only the first ':' separates
  auto o = find_credentials("other.example.com", p).value();
  REQUIRE(o);
  CHECK(o->password.view() == "p");
  CHECK(!find_credentials("unknown.example.com", p).value());
  CHECK(!find_credentials("x", (d.path() / "missing.json").string()).value());  // no file: none
}

TEST_CASE("docker config credentials: Docker Hub's hosts use docker's key https://index.docker.io/v1/") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto p = write_config(d, R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + b64("hubuser:hubpass") + R"("}}})");
  for (const char* host : {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
    INFO(host);
    auto c = find_credentials(host, p).value();
    REQUIRE(c);
    CHECK(c->username.view() == "hubuser");
  }
  CHECK(!find_credentials("registry-2.docker.io", p).value());
}

TEST_CASE("bad docker configs are clear errors, never silently anonymous") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  CHECK(find_credentials("h", write_config(d, "{not json")).error().code == Errc::malformed_json);
  CHECK(find_credentials("h", write_config(d, R"({"auths":{"h":{"auth":"%%%"}}})")).error().code == Errc::malformed_json);
  CHECK(find_credentials("h", write_config(d, R"({"auths":{"h":{"auth":")" + b64("nocolon") + R"("}}})")).error().code ==
        Errc::malformed_json);
  CHECK(find_credentials("h", write_config(d, R"({"auths":{"h":{"identitytoken":"x"}}})")).error().code ==
        Errc::unsupported_value);
  CHECK(find_credentials("h", write_config(d, R"({"credHelpers":{"h":"../../bin/sh"}})")).error().code ==
        Errc::malformed_json);
  CHECK(find_credentials("h", write_config(d, R"({"auths":[]})")).error().code == Errc::malformed_json);
  CHECK(find_credentials("h", write_config(d, R"({"credsStore":5})")).error().code == Errc::malformed_json);
}

TEST_CASE("SIGNY_AUTH comes first, and credential helpers answer, fail or lie") {
  TempDir d;
  {
    Env e("SIGNY_AUTH", b64("envuser:envpass"));
    auto c = find_credentials("h", write_config(d, R"({"auths":{"h":{"auth":")" + b64("file:pass") + R"("}}})")).value();
    REQUIRE(c);
    CHECK(c->username.view() == "envuser");
  }
  ::unsetenv("SIGNY_AUTH");
  // Helpers on PATH, written here.
  auto bin = d.path() / "bin";
  std::filesystem::create_directories(bin);
  auto helper = [&](const std::string& name, const std::string& body) {
    auto f = bin / ("docker-credential-" + name);
    std::ofstream(f) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(f, std::filesystem::perms::owner_all);
  };
  helper("good", R"(read -r h; printf '{"ServerURL":"%s","Username":"hu","Secret":"hs"}' "$h")");
  helper("none", R"(echo "credentials not found in native keychain"; exit 1)");
  helper("broken", R"(echo boom; exit 2)");
  helper("garbage", R"(echo '{"Username":5}')");
  helper("token", R"(echo '{"Username":"<token>","Secret":"refresh"}')");
  Env path("PATH", bin.string() + ":" + std::getenv("PATH"));
  auto with = [&](const std::string& h) {
    return find_credentials("h", write_config(d, R"({"credHelpers":{"h":")" + h + R"("}})"));
  };
  auto good = with("good").value();
  REQUIRE(good);
  CHECK(good->username.view() == "hu");
  CHECK(good->password.view() == "hs");
  CHECK(!with("none").value());
  CHECK(with("broken").error().code == Errc::io_error);
  CHECK(with("garbage").error().code == Errc::malformed_json);
  CHECK(with("token").error().code == Errc::unsupported_value);
  CHECK(with("absent").error().code == Errc::not_found);
  // credsStore is the default helper; an entry in auths is used when it has none.
  auto store = find_credentials("h", write_config(d, R"({"credsStore":"none","auths":{"h":{"auth":")" + b64("a:b") + R"("}}})"));
  REQUIRE(store.value());
  CHECK(store.value()->username.view() == "a");
}
