// oci::Registry over the fake transport: the distribution endpoints it uses (oci-formats 3.1), the
// checks on every byte it reads (digest, size, limits, media types), auth scopes, the registry's
// errors, redirects, uploads (monolithic, chunked, mounted) and copy_image.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "fake_transport.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/oci/registry.hpp"
#include "signy/util/encoding.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::oci;
using signy::net::Method;
using signy::testing::FakeTransport;

namespace {
const std::string kBase = "https://reg.test";

std::string sha(std::string_view bytes) { return "sha256:" + hex_encode(crypto::sha256(as_bytes(bytes))); }

struct Fixture {
  TempDir dir;
  FakeTransport* fake = nullptr;
  std::unique_ptr<Registry> reg;
  explicit Fixture(const std::string& base = kBase) {
    ::unsetenv("SIGNY_AUTH");
    auto f = std::make_unique<FakeTransport>();
    fake = f.get();
    reg = std::make_unique<Registry>(std::move(f), base, (dir.path() / "none.json").string());
  }
};

net::Header h(std::string n, std::string v) { return {std::move(n), std::move(v)}; }
const std::string* header(const testing::Recorded& r, std::string_view name) {
  for (const auto& x : r.headers)
    if (x.name == name) return &x.value;
  return nullptr;
}
bool has(const Error& e, std::string_view part) { return e.message.find(part) != std::string::npos; }

const std::string kManifest = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)" +
                              std::string(64, 'c') + R"(","size":2},"layers":[]})";
}  // namespace

TEST_CASE("registry: base URL is https, plain http only for loopback and named insecure hosts, docker.io is registry-1") {
  RegistryOptions o;
  CHECK(registry_base_url("ghcr.io", o).value() == "https://ghcr.io");
  CHECK(registry_base_url("docker.io", o).value() == "https://registry-1.docker.io");
  CHECK(registry_base_url("127.0.0.1:5000", o).value() == "http://127.0.0.1:5000");
  CHECK(registry_base_url("[::1]:5000", o).value() == "http://[::1]:5000");
  CHECK(registry_base_url("reg.lan:5000", o).value() == "https://reg.lan:5000");
  CHECK(registry_base_url("127.0.0.1.example.com", o).value() == "https://127.0.0.1.example.com");
  o.insecure_registries = {"reg.lan:5000"};
  CHECK(registry_base_url("reg.lan:5000", o).value() == "http://reg.lan:5000");
  CHECK(registry_base_url("reg.lan", o).value() == "https://reg.lan");  // the port is part of the name
  CHECK(registry_base_url("reg.lan:5001", o).value() == "https://reg.lan:5001");
  for (std::string bad : {"", "a b", "evil@host", "host/path", "h\n"}) {
    INFO(bad);
    auto r = registry_base_url(bad, o);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
  }
}

TEST_CASE("registry: the CA is --registry-ca, else certs.d/HOST[:PORT]/ca.crt when present, else the system store") {
  TempDir d;
  RegistryOptions o;
  o.certs_dir = d.path();
  CHECK(registry_ca_file("reg.lan:5000", o).empty());
  std::filesystem::create_directories(d.path() / "reg.lan:5000");
  { std::ofstream(d.path() / "reg.lan:5000" / "ca.crt") << "x"; }
  CHECK(registry_ca_file("reg.lan:5000", o) == (d.path() / "reg.lan:5000" / "ca.crt").string());
  CHECK(registry_ca_file("reg.lan", o).empty());
  // A loopback registry is plain http, unless a CA is named for it: then it speaks TLS.
  CHECK(registry_base_url("127.0.0.1:5000", o).value() == "http://127.0.0.1:5000");
  std::filesystem::create_directories(d.path() / "127.0.0.1:5000");
  { std::ofstream(d.path() / "127.0.0.1:5000" / "ca.crt") << "x"; }
  CHECK(registry_base_url("127.0.0.1:5000", o).value() == "https://127.0.0.1:5000");
  CHECK(registry_base_url("127.0.0.1:5001", o).value() == "http://127.0.0.1:5001");
  o.ca_file = "/given/ca.pem";
  CHECK(registry_base_url("127.0.0.1:5001", o).value() == "https://127.0.0.1:5001");
  o.insecure_registries = {"127.0.0.1:5001"};
  CHECK(registry_base_url("127.0.0.1:5001", o).value() == "http://127.0.0.1:5001");
  CHECK(registry_ca_file("reg.lan:5000", o) == "/given/ca.pem");
  o.ca_file = (d.path() / "missing.pem").string();
  auto r = Registry::connect("reg.lan:5000", o);
  REQUIRE(!r);
  CHECK(has(r.error(), "--registry-ca"));
}

TEST_CASE("registry: resolve HEADs with every manifest type in Accept, over one connection") {
  Fixture f;
  std::string d = sha(kManifest);
  f.fake->on(Method::head, kBase + "/v2/org/app/manifests/v1",
             {200, "", {h("content-type", "application/vnd.oci.image.manifest.v1+json; charset=utf-8"), h("docker-content-digest", d),
                        h("content-length", std::to_string(kManifest.size()))}});
  auto desc = f.reg->resolve("org/app", "v1");
  REQUIRE(desc);
  CHECK(desc->digest == d);
  CHECK(desc->size == kManifest.size());
  CHECK(desc->media_type == kOciManifest);
  REQUIRE(f.fake->requests().size() == 1);
  const auto* accept = header(f.fake->requests()[0], "Accept");
  REQUIRE(accept);
  for (auto t : {kOciManifest, kOciIndex, kDockerManifest, kDockerManifestList, std::string_view("*/*")}) CHECK(accept->find(t) != std::string::npos);
  // A second resolve and a GET reuse the same connection.
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/" + d, {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  REQUIRE(f.reg->resolve("org/app", "v1"));
  REQUIRE(f.reg->get_manifest("org/app", *desc));
  CHECK(f.reg->stats().requests == 3);
  CHECK(f.reg->stats().connections == 1);
}

TEST_CASE("registry: resolve GETs and hashes when the registry leaves out the digest or the length") {
  Fixture f;
  f.fake->on(Method::head, kBase + "/v2/org/app/manifests/v1", {200, "", {h("content-type", std::string(kOciManifest))}});
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/v1", {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  auto desc = f.reg->resolve("org/app", "v1");
  REQUIRE(desc);
  CHECK(desc->digest == sha(kManifest));
  CHECK(desc->size == kManifest.size());
  CHECK(f.fake->count(Method::get, kBase + "/v2/org/app/manifests/v1") == 1);
}

TEST_CASE("registry: resolve refuses an unknown media type, an oversized manifest and a digest it was not asked for") {
  Fixture f;
  std::string d = sha(kManifest);
  f.fake->on(Method::head, kBase + "/v2/a/manifests/v1",
             {200, "", {h("content-type", "application/vnd.docker.distribution.manifest.v1+prettyjws"), h("docker-content-digest", d),
                        h("content-length", "10")}});
  auto r = f.reg->resolve("a", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsupported_media_type);
  CHECK(has(r.error(), "reg.test/a:v1"));
  f.fake->on(Method::head, kBase + "/v2/b/manifests/v1",
             {200, "", {h("content-type", std::string(kOciIndex)), h("docker-content-digest", d), h("content-length", std::to_string(kMaxManifestBytes + 1))}});
  r = f.reg->resolve("b", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(f.fake->count(Method::get, kBase + "/v2/b/manifests/v1") == 0);
  std::string other = "sha256:" + std::string(64, 'e');
  f.fake->on(Method::head, kBase + "/v2/c/manifests/" + other,
             {200, "", {h("content-type", std::string(kOciIndex)), h("docker-content-digest", d), h("content-length", "10")}});
  r = f.reg->resolve("c", other);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
}

TEST_CASE("registry: a manifest is hashed and compared with its digest before anyone reads it") {
  Fixture f;
  std::string want = "sha256:" + std::string(64, 'a');
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/" + want, {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  auto r = f.reg->get_manifest("org/app", want);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
  CHECK(has(r.error(), "reg.test/org/app@" + want));
  // By tag: Docker-Content-Digest must be the bytes' digest.
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/v1",
             {200, kManifest, {h("content-type", std::string(kOciManifest)), h("docker-content-digest", want)}});
  r = f.reg->get_manifest("org/app", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
  // The right bytes pass, with the served type.
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/" + sha(kManifest), {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  auto ok = f.reg->get_manifest("org/app", sha(kManifest));
  REQUIRE(ok);
  CHECK(ok->bytes == kManifest);
  CHECK(ok->descriptor.media_type == kOciManifest);
  // An unknown served type.
  f.fake->on(Method::get, kBase + "/v2/x/manifests/v1", {200, kManifest, {h("content-type", "text/html")}});
  r = f.reg->get_manifest("x", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsupported_media_type);
}

TEST_CASE("registry: a manifest's size is checked against its descriptor, over the limit it is refused unread") {
  Fixture f;
  Descriptor d{std::string(kOciManifest), sha(kManifest), kManifest.size() - 1, {}};
  f.fake->on(Method::get, kBase + "/v2/a/manifests/" + d.digest, {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  auto r = f.reg->get_manifest("a", d);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::length_mismatch);
  d.size = kManifest.size() + 1;
  r = f.reg->get_manifest("a", d);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::length_mismatch);
  // Over the caller's limit, announced: refused at the first piece.
  std::string big(5000, ' ');
  f.fake->on(Method::get, kBase + "/v2/a/manifests/big",
             {200, big, {h("content-type", std::string(kOciManifest)), h("content-length", "5000")}});
  r = f.reg->get_manifest("a", "big", 4096);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  // A descriptor announcing more than kMaxManifestBytes is refused before any request.
  auto n = f.fake->requests().size();
  d.size = kMaxManifestBytes + 1;
  r = f.reg->get_manifest("a", d);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(f.fake->requests().size() == n);
}

TEST_CASE("registry: a truncated transfer is an error, never accepted") {
  Fixture f;
  f.fake->on(Method::get, kBase + "/v2/a/manifests/v1",
             {200, kManifest, {h("content-type", std::string(kOciManifest)), h("content-length", std::to_string(kManifest.size() + 10))}});
  auto r = f.reg->get_manifest("a", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::network);
  CHECK(has(r.error(), "truncated"));
  // A blob that ends early.
  std::string blob = "hello world";
  Descriptor d{"application/octet-stream", sha(blob), blob.size(), {}};
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + d.digest, {200, blob.substr(0, 5), {}});
  std::string got;
  auto st = f.reg->get_blob("a", d, [&](std::string_view c) -> Status {
    got += c;
    return {};
  });
  REQUIRE(!st);
  CHECK(st.error().code == Errc::length_mismatch);
}

TEST_CASE("registry: a blob streams through sha256 with the descriptor's size as its cap") {
  Fixture f;
  std::string blob = "layer bytes, provisional until get_blob returns";
  Descriptor d{"application/octet-stream", sha(blob), blob.size(), {}};
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + d.digest, {200, blob, {h("content-length", std::to_string(blob.size()))}});
  std::string got;
  int pieces = 0;
  REQUIRE(f.reg->get_blob("a", d, [&](std::string_view c) -> Status {
    got += c;
    ++pieces;
    return {};
  }));
  CHECK(got == blob);
  CHECK(pieces == 2);
  CHECK(f.reg->fetch_blob("a", d, 1024).value() == blob);
  // Over the caller's limit: refused before a request.
  auto r = f.reg->fetch_blob("a", d, 10);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  // Other bytes under that digest.
  Descriptor wrong{"application/octet-stream", sha("something else"), blob.size(), {}};
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + wrong.digest, {200, blob, {}});
  auto st = f.reg->get_blob("a", wrong, [](std::string_view) -> Status { return {}; });
  REQUIRE(!st);
  CHECK(st.error().code == Errc::hash_mismatch);
  CHECK(has(st.error(), "blob " + wrong.digest + " in reg.test/a"));
}

TEST_CASE("registry: a blob larger than its descriptor says is a size lie, announced or streamed") {
  Fixture f;
  std::string blob = "0123456789abcdef";
  Descriptor d{"application/octet-stream", sha(blob.substr(0, 8)), 8, {}};
  std::size_t given = 0;
  auto sink = [&](std::string_view c) -> Status {
    given += c.size();
    return {};
  };
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + d.digest, {200, blob, {}});
  auto st = f.reg->get_blob("a", d, sink);
  REQUIRE(!st);
  CHECK(st.error().code == Errc::length_mismatch);
  CHECK(given <= 8);
  f.fake->on(Method::get, kBase + "/v2/b/blobs/" + d.digest, {200, blob.substr(0, 8), {h("content-length", "9")}});
  given = 0;
  st = f.reg->get_blob("b", d, sink);
  REQUIRE(!st);
  CHECK(st.error().code == Errc::length_mismatch);
  CHECK(given == 0);
}

TEST_CASE("registry: head_blob gives the size, or none for a 404") {
  Fixture f;
  std::string d = "sha256:" + std::string(64, 'b');
  f.fake->on(Method::head, kBase + "/v2/a/blobs/" + d, {200, "", {h("content-length", "42"), h("docker-content-digest", d)}});
  CHECK(f.reg->head_blob("a", d).value() == std::optional<std::uint64_t>(42));
  CHECK(!f.reg->head_blob("b", d).value());
  auto r = f.reg->head_blob("a", "sha256:ABC");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsupported_value);
}

TEST_CASE("registry: a 401 gets a token for the repository's pull scope, reads and writes their own scopes") {
  Fixture f;
  const std::string realm = "https://auth.test/token";
  auto challenge = [&](const std::string& scope) {
    return h("www-authenticate", "Bearer realm=\"" + realm + "\",service=\"reg\",scope=\"" + scope + "\"");
  };
  std::string d = sha(kManifest);
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/" + d, {401, R"({"errors":[{"code":"UNAUTHORIZED"}]})", {challenge("repository:org/app:pull")}})
      .on(Method::get, kBase + "/v2/org/app/manifests/" + d, {200, kManifest, {h("content-type", std::string(kOciManifest))}});
  f.fake->on(Method::get, realm + "?service=reg&scope=repository%3Aorg%2Fapp%3Apull", {200, R"({"token":"pull-token"})", {}});
  auto m = f.reg->get_manifest("org/app", d);
  REQUIRE(m);
  CHECK(m->bytes == kManifest);
  CHECK(f.fake->requests().back().authorization == "Bearer pull-token");
  // A push asks for pull,push.
  f.fake->on(Method::put, kBase + "/v2/org/app/manifests/v1", {401, "", {challenge("repository:org/app:pull,push")}})
      .on(Method::put, kBase + "/v2/org/app/manifests/v1", {201, "", {h("docker-content-digest", d)}});
  f.fake->on(Method::get, realm + "?service=reg&scope=repository%3Aorg%2Fapp%3Apull%2Cpush", {200, R"({"token":"push-token"})", {}});
  CHECK(f.reg->put_manifest("org/app", "v1", kOciManifest, kManifest).value() == d);
  CHECK(f.fake->requests().back().authorization == "Bearer push-token");
  CHECK(f.fake->requests().back().body == kManifest);
}

TEST_CASE("registry: 401, 403, 404, 5xx and other refusals are one line each, with their category") {
  Fixture f;
  struct Case {
    long status;
    std::string body;
    Errc code;
    std::string says;
  };
  std::vector<Case> cases = {
      {401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})", Errc::unauthorized, "unauthorized"},
      {403, R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})", Errc::unauthorized, "denied"},
      {404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})", Errc::not_found_remote, "manifest unknown"},
      {404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})", Errc::not_found_remote, "repository unknown"},
      {404, "404 page not found", Errc::not_found_remote, "no such manifest"},
      {500, R"({"errors":[{"code":"UNKNOWN","message":"unknown error"}]})", Errc::network, "registry error (HTTP 500)"},
      {503, "", Errc::network, "HTTP 503"},
      {400, R"({"errors":[{"code":"MANIFEST_INVALID","message":"line\nbreak \u001b[31m"}]})", Errc::network, "MANIFEST_INVALID"},
      {429, "slow down\n", Errc::network, "HTTP 429"},
  };
  int i = 0;
  for (const auto& c : cases) {
    std::string repo = "r" + std::to_string(i++);
    INFO(repo << " " << c.status);
    f.fake->on(Method::get, kBase + "/v2/" + repo + "/manifests/v1", {c.status, c.body, {}});
    auto r = f.reg->get_manifest(repo, "v1");
    REQUIRE(!r);
    CHECK(r.error().code == c.code);
    CHECK(has(r.error(), c.says));
    CHECK(has(r.error(), "reg.test/" + repo + ":v1"));
    CHECK(r.error().message.find('\n') == std::string::npos);
    CHECK(r.error().message.find('\x1b') == std::string::npos);
  }
  // A blob 404 in words.
  std::string d = "sha256:" + std::string(64, 'f');
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + d, {404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})", {}});
  auto st = f.reg->get_blob("a", Descriptor{"x", d, 4, {}}, [](std::string_view) -> Status { return {}; });
  REQUIRE(!st);
  CHECK(st.error().code == Errc::not_found_remote);
  CHECK(has(st.error(), "blob unknown"));
  // A transport failure is a network error naming what was asked.
  f.fake->fail_on(Method::get, kBase + "/v2/down/manifests/v1", Error{Errc::network, "connection refused"});
  auto r = f.reg->get_manifest("down", "v1");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::network);
  CHECK(has(r.error(), "reg.test/down:v1"));
}

TEST_CASE("registry: a redirect is followed on the same host only, never to another") {
  Fixture f;
  std::string blob = "redirected";
  Descriptor d{"application/octet-stream", sha(blob), blob.size(), {}};
  f.fake->on(Method::get, kBase + "/v2/a/blobs/" + d.digest, {307, "", {h("location", "/storage/blob?sig=1")}});
  f.fake->on(Method::get, kBase + "/storage/blob?sig=1", {200, blob, {}});
  CHECK(f.reg->fetch_blob("a", d, 100).value() == blob);
  // Another host, another scheme or port, userinfo: refused, nothing sent there.
  for (std::string loc : {"https://cdn.example.com/blob", "http://reg.test/blob", "https://reg.test:8443/blob", "https://user@reg.test/b",
                          "//cdn.example.com/blob"}) {
    INFO(loc);
    f.fake->on(Method::get, kBase + "/v2/b/blobs/" + d.digest, {302, "", {h("location", loc)}});
    auto r = f.reg->fetch_blob("b", d, 100);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::network);
    CHECK(has(r.error(), "another host"));
  }
  for (const auto& rq : f.fake->requests()) CHECK(rq.url.rfind(kBase + "/", 0) == 0);
  // A loop ends.
  f.fake->on(Method::get, kBase + "/v2/c/blobs/" + d.digest, {302, "", {h("location", kBase + "/v2/c/blobs/" + d.digest)}});
  auto r = f.reg->fetch_blob("c", d, 100);
  REQUIRE(!r);
  CHECK(has(r.error(), "redirects"));
}

TEST_CASE("registry: a monolithic upload POSTs, then PUTs the Location with the digest, keeping its query") {
  std::string blob = "config bytes";
  Descriptor d{"application/octet-stream", sha(blob), blob.size(), {}};
  auto source = [&]() {
    auto pos = std::make_shared<std::size_t>(0);
    net::BodySource s;
    s.size = blob.size();
    s.read = [&blob, pos](char* buf, std::size_t len) -> Result<std::size_t> {
      std::size_t n = std::min(len, blob.size() - *pos);
      std::copy_n(blob.data() + *pos, n, buf);
      *pos += n;
      return n;
    };
    return s;
  };
  for (auto [loc, put] : {std::pair<std::string, std::string>{kBase + "/v2/a/blobs/uploads/u1?_state=xyz", kBase + "/v2/a/blobs/uploads/u1?_state=xyz&digest=" + d.digest},
                          {"/v2/a/blobs/uploads/u2", kBase + "/v2/a/blobs/uploads/u2?digest=" + d.digest},
                          {"u3?s=1", kBase + "/v2/a/blobs/uploads/u3?s=1&digest=" + d.digest}}) {
    INFO(loc);
    Fixture f;
    f.fake->on(Method::post, kBase + "/v2/a/blobs/uploads/", {202, "", {h("location", loc)}});
    f.fake->on(Method::put, put, {201, "", {h("docker-content-digest", d.digest)}});
    REQUIRE(f.reg->push_blob("a", d, source()));
    REQUIRE(f.reg->push_blob("a", d, std::string_view(blob)));
    CHECK(f.fake->count(Method::put, put) == 2);
    const auto& last = f.fake->requests().back();
    CHECK(last.method == Method::put);
    CHECK(last.body == blob);
    CHECK(*header(last, "Content-Type") == "application/octet-stream");
  }
  // Present already: only the HEAD.
  Fixture f;
  f.fake->on(Method::head, kBase + "/v2/a/blobs/" + d.digest, {200, "", {h("content-length", std::to_string(blob.size()))}});
  REQUIRE(f.reg->push_blob("a", d, source()));
  CHECK(f.fake->requests().size() == 1);
  // An upload Location on another host is refused before any byte goes there.
  Fixture g;
  g.fake->on(Method::post, kBase + "/v2/a/blobs/uploads/", {202, "", {h("location", "https://evil.test/upload")}});
  auto st = g.reg->push_blob("a", d, source());
  REQUIRE(!st);
  CHECK(has(st.error(), "another host"));
  for (const auto& rq : g.fake->requests()) CHECK(rq.url.rfind(kBase + "/", 0) == 0);
}

TEST_CASE("registry: above the chunk size a blob goes up in PATCHes with Content-Range, then one PUT with the digest") {
  Fixture f;
  f.reg->set_chunk_size(4);
  std::string blob = "0123456789";
  Descriptor d{"application/octet-stream", sha(blob), blob.size(), {}};
  std::size_t pos = 0;
  net::BodySource s;
  s.size = blob.size();
  s.read = [&](char* buf, std::size_t len) -> Result<std::size_t> {
    std::size_t n = std::min(len, blob.size() - pos);
    std::copy_n(blob.data() + pos, n, buf);
    pos += n;
    return n;
  };
  f.fake->on(Method::post, kBase + "/v2/a/blobs/uploads/", {202, "", {h("location", "/up/1?_state=0")}});
  f.fake->on(Method::patch, kBase + "/up/1?_state=0", {202, "", {h("location", "/up/1?_state=4")}});
  f.fake->on(Method::patch, kBase + "/up/1?_state=4", {202, "", {h("location", kBase + "/up/1?_state=8")}});
  f.fake->on(Method::patch, kBase + "/up/1?_state=8", {202, "", {h("location", "/up/1?_state=10")}});
  f.fake->on(Method::put, kBase + "/up/1?_state=10&digest=" + d.digest, {201, "", {}});
  REQUIRE(f.reg->push_blob("a", d, std::move(s)));
  std::vector<std::pair<std::string, std::string>> patches;
  for (const auto& r : f.fake->requests())
    if (r.method == Method::patch) patches.emplace_back(*header(r, "Content-Range"), r.body);
  CHECK(patches == std::vector<std::pair<std::string, std::string>>{{"0-3", "0123"}, {"4-7", "4567"}, {"8-9", "89"}});
  CHECK(f.fake->requests().back().method == Method::put);
  CHECK(f.fake->requests().back().body.empty());
}

TEST_CASE("registry: a chunked upload whose source is not the digest's bytes is cancelled, never committed") {
  Fixture f;
  f.reg->set_chunk_size(4);
  std::string blob = "0123456789";
  Descriptor d{"application/octet-stream", sha("other bytes"), blob.size(), {}};
  std::size_t pos = 0;
  net::BodySource s;
  s.size = blob.size();
  s.read = [&](char* buf, std::size_t len) -> Result<std::size_t> {
    std::size_t n = std::min(len, blob.size() - pos);
    std::copy_n(blob.data() + pos, n, buf);
    pos += n;
    return n;
  };
  f.fake->on(Method::post, kBase + "/v2/a/blobs/uploads/", {202, "", {h("location", "/up/1")}});
  f.fake->on(Method::patch, kBase + "/up/1", {202, "", {h("location", "/up/1")}});
  f.fake->on(Method::del, kBase + "/up/1", {204, "", {}});
  auto st = f.reg->push_blob("a", d, std::move(s));
  REQUIRE(!st);
  CHECK(st.error().code == Errc::hash_mismatch);
  CHECK(f.fake->count(Method::del, kBase + "/up/1") == 1);
  for (const auto& r : f.fake->requests()) CHECK(r.method != Method::put);
}

TEST_CASE("registry: a mount is 201 mounted, 202 not (its upload cancelled), with both repositories' scopes") {
  Fixture f;
  std::string d = "sha256:" + std::string(64, 'd');
  std::string url = kBase + "/v2/dst/blobs/uploads/?mount=" + d + "&from=src";
  const std::string realm = "https://auth.test/token";
  f.fake->on(Method::post, url,
             {401, "", {h("www-authenticate", "Bearer realm=\"" + realm + "\",service=\"reg\",scope=\"repository:dst:pull,push repository:src:pull\"")}})
      .on(Method::post, url, {201, "", {h("location", "/v2/dst/blobs/" + d)}});
  f.fake->on(Method::get, realm + "?service=reg&scope=repository%3Adst%3Apull%2Cpush&scope=repository%3Asrc%3Apull", {200, R"({"token":"t"})", {}});
  CHECK(f.reg->mount_blob("dst", d, "src").value() == true);
  CHECK(f.fake->requests().back().authorization == "Bearer t");
  std::string url2 = kBase + "/v2/dst2/blobs/uploads/?mount=" + d + "&from=src";
  f.fake->on(Method::post, url2, {202, "", {h("location", "/v2/dst2/blobs/uploads/u9?_state=s")}});
  f.fake->on(Method::del, kBase + "/v2/dst2/blobs/uploads/u9?_state=s", {204, "", {}});
  CHECK(f.reg->mount_blob("dst2", d, "src").value() == false);
  CHECK(f.fake->count(Method::del, kBase + "/v2/dst2/blobs/uploads/u9?_state=s") == 1);
  f.fake->on(Method::post, kBase + "/v2/dst3/blobs/uploads/?mount=" + d + "&from=src", {403, R"({"errors":[{"code":"DENIED","message":"no"}]})", {}});
  auto r = f.reg->mount_blob("dst3", d, "src");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unauthorized);
}

TEST_CASE("registry: put_manifest sends its type, checks the stored digest and refuses what it cannot push") {
  Fixture f;
  std::string d = sha(kManifest);
  f.fake->on(Method::put, kBase + "/v2/a/manifests/" + d, {201, "", {h("docker-content-digest", d)}});
  CHECK(f.reg->put_manifest("a", d, kOciManifest, kManifest).value() == d);
  CHECK(*header(f.fake->requests().back(), "Content-Type") == kOciManifest);
  f.fake->on(Method::put, kBase + "/v2/a/manifests/v2", {201, "", {h("docker-content-digest", "sha256:" + std::string(64, '0'))}});
  auto r = f.reg->put_manifest("a", "v2", kOciManifest, kManifest);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
  r = f.reg->put_manifest("a", "sha256:" + std::string(64, '1'), kOciManifest, kManifest);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::hash_mismatch);
  r = f.reg->put_manifest("a", "v1", "application/json", kManifest);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsupported_media_type);
  r = f.reg->put_manifest("a", "v1", kOciManifest, std::string(kMaxManifestBytes + 1, ' '));
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  r = f.reg->put_manifest("../x", "v1", kOciManifest, kManifest);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::usage);
  f.fake->on(Method::put, kBase + "/v2/a/manifests/v3", {400, R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]})", {}});
  r = f.reg->put_manifest("a", "v3", kOciManifest, kManifest);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::network);
  CHECK(has(r.error(), "MANIFEST_BLOB_UNKNOWN"));
}

TEST_CASE("registry: ping reads /v2/ and names the registry when it refuses") {
  Fixture f;
  f.fake->on(Method::get, kBase + "/v2/", {200, "{}", {}});
  REQUIRE(f.reg->ping());
  Fixture g;
  g.fake->on(Method::get, kBase + "/v2/", {500, "", {}});
  auto st = g.reg->ping();
  REQUIRE(!st);
  CHECK(st.error().code == Errc::network);
  CHECK(has(st.error(), "registry reg.test"));
}

TEST_CASE("registry: copy_image walks index, manifest, config and layers, deepest first, skipping what is there") {
  Fixture src("https://src.test"), dst;
  dst.reg->set_chunk_size(4);
  std::string config = "{}", layer = "0123456789";
  std::string manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                         sha(config) + R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" + sha(layer) +
                         R"(","size":10}]})";
  std::string index = R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + sha(manifest) +
                      R"(","size":)" + std::to_string(manifest.size()) + "}]}";
  const std::string S = "https://src.test";
  src.fake->on(Method::get, S + "/v2/from/manifests/" + sha(index), {200, index, {h("content-type", std::string(kOciIndex))}});
  src.fake->on(Method::get, S + "/v2/from/manifests/" + sha(manifest), {200, manifest, {h("content-type", std::string(kOciManifest))}});
  src.fake->on(Method::get, S + "/v2/from/blobs/" + sha(layer), {200, layer, {}});
  // The destination has the config already, not the layer, nor the manifests.
  dst.fake->on(Method::head, kBase + "/v2/to/blobs/" + sha(config), {200, "", {h("content-length", "2")}});
  dst.fake->on(Method::post, kBase + "/v2/to/blobs/uploads/", {202, "", {h("location", "/up")}});
  dst.fake->on(Method::patch, kBase + "/up", {202, "", {h("location", "/up")}});
  dst.fake->on(Method::put, kBase + "/up?digest=" + sha(layer), {201, "", {}});
  dst.fake->on(Method::put, kBase + "/v2/to/manifests/" + sha(manifest), {201, "", {}});
  dst.fake->on(Method::put, kBase + "/v2/to/manifests/" + sha(index), {201, "", {}});
  Descriptor top{std::string(kOciIndex), sha(index), index.size(), {}};
  REQUIRE(dst.reg->copy_image(*src.reg, "from", "to", top));
  std::vector<std::string> writes;
  for (const auto& r : dst.fake->requests())
    if (r.method != Method::head) writes.push_back(std::string(net::method_name(r.method)) + " " + r.url.substr(kBase.size()) + " " + r.body);
  CHECK(writes == std::vector<std::string>{"POST /v2/to/blobs/uploads/ ", "PATCH /up 0123", "PATCH /up 4567", "PATCH /up 89",
                                           "PUT /up?digest=" + sha(layer) + " ", "PUT /v2/to/manifests/" + sha(manifest) + " " + manifest,
                                           "PUT /v2/to/manifests/" + sha(index) + " " + index});
  CHECK(src.fake->count(Method::get, S + "/v2/from/blobs/" + sha(config)) == 0);
  CHECK(dst.reg->stats().connections == 1);
  CHECK(src.reg->stats().connections == 1);
}

TEST_CASE("registry: copy_image on one registry mounts, a layer that fails its digest is never committed") {
  Fixture f;
  std::string config = "{}";
  std::string manifest = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + sha(config) +
                         R"(","size":2},"layers":null})";
  f.fake->on(Method::get, kBase + "/v2/from/manifests/" + sha(manifest), {200, manifest, {h("content-type", std::string(kOciManifest))}});
  f.fake->on(Method::post, kBase + "/v2/to/blobs/uploads/?mount=" + sha(config) + "&from=from", {201, "", {}});
  f.fake->on(Method::put, kBase + "/v2/to/manifests/" + sha(manifest), {201, "", {}});
  Descriptor top{std::string(kOciManifest), sha(manifest), manifest.size(), {}};
  REQUIRE(f.reg->copy_image(*f.reg, "from", "to", top));
  CHECK(f.fake->count(Method::put, kBase + "/v2/to/manifests/" + sha(manifest)) == 1);
  // Between registries, a source serving other bytes: the upload is cancelled, nothing PUT.
  Fixture src("https://src.test"), dst;
  src.fake->on(Method::get, "https://src.test/v2/from/manifests/" + sha(manifest), {200, manifest, {h("content-type", std::string(kOciManifest))}});
  src.fake->on(Method::get, "https://src.test/v2/from/blobs/" + sha(config), {200, "[]", {}});
  dst.fake->on(Method::post, kBase + "/v2/to/blobs/uploads/", {202, "", {h("location", "/up")}});
  dst.fake->on(Method::patch, kBase + "/up", {202, "", {h("location", "/up")}});
  dst.fake->on(Method::del, kBase + "/up", {204, "", {}});
  auto st = dst.reg->copy_image(*src.reg, "from", "to", top);
  REQUIRE(!st);
  CHECK(st.error().code == Errc::hash_mismatch);
  for (const auto& r : dst.fake->requests()) CHECK(r.method != Method::put);
  CHECK(dst.fake->count(Method::del, kBase + "/up") == 1);
}

TEST_CASE("registry: SIGNY_AUTH (the Notary server's credentials) is never sent to a registry") {
  Fixture f;
  ::setenv("SIGNY_AUTH", base64_encode(as_bytes(std::string("notary-user:notary-secret"))).c_str(), 1);
  std::string d = sha(kManifest);
  f.fake->on(Method::get, kBase + "/v2/org/app/manifests/" + d, {401, "", {h("www-authenticate", "Basic realm=\"registry\"")}});
  auto m = f.reg->get_manifest("org/app", d);
  ::unsetenv("SIGNY_AUTH");
  REQUIRE(!m);
  CHECK(m.error().code == Errc::unauthorized);
  for (const auto& r : f.fake->requests()) CHECK(r.authorization.empty());
}
