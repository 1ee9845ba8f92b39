#include <catch2/catch.hpp>

#include "signy/oci/reference.hpp"

using namespace signy;
using namespace signy::oci;

TEST_CASE("references split into GUN and tag like docker") {
  auto r = parse_reference("localhost:5000/org/name:tag").value();
  CHECK(r.domain == "localhost:5000");
  CHECK(r.path == "org/name");
  CHECK(r.gun() == "localhost:5000/org/name");
  CHECK(r.tag == "tag");
  CHECK(parse_reference("localhost/app:v1").value().gun() == "localhost/app");
  CHECK(parse_reference("registry.example.com/org/app").value().tag == "latest");
  CHECK(parse_reference("127.0.0.1:5000/a/b/c:1.0.0-rc.1").value().gun() == "127.0.0.1:5000/a/b/c");
  auto d = parse_reference("example.com/app:v1@sha256:" + std::string(64, 'a')).value();
  CHECK(d.digest == "sha256:" + std::string(64, 'a'));
}

TEST_CASE("Docker Hub names are normalised") {
  CHECK(parse_reference("alpine").value().gun() == "docker.io/library/alpine");
  CHECK(parse_reference("alpine:3.18").value().str() == "docker.io/library/alpine:3.18");
  CHECK(parse_reference("org/app:v1").value().gun() == "docker.io/org/app");
  CHECK(parse_reference("index.docker.io/org/app").value().gun() == "docker.io/org/app");
  CHECK(parse_reference("docker.io/alpine").value().gun() == "docker.io/library/alpine");
}

TEST_CASE("invalid references are usage errors with the reason") {
  for (const char* bad : {"", "UPPER", "org/App", "a//b", "a/b:", "a/b:-tag", "a:b:c", "-a/b", "a/b-/c",
                          "a/b@sha256:abc", "host:99999x/a", "a/b:t@md5:00", "a b", "a/b/../c"}) {
    INFO(bad);
    auto r = parse_reference(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
  }
  CHECK(!parse_reference("example.com/" + std::string(260, 'a')));
  CHECK(!parse_reference("example.com/a:" + std::string(129, 't')));
}

TEST_CASE("a bare registry host is not a repository") {
  for (const char* host : {"localhost", "localhost:5000", "registry.example.com", "127.0.0.1:5000", "[::1]:5000"})
    CHECK(is_bare_registry_host(host));
  for (const char* gun : {"localhost:5000/app", "registry.example.com/org/app", "alpine", "docker.io/library/alpine", ""})
    CHECK(!is_bare_registry_host(gun));
  for (const char* ref : {"localhost:5000", "registry.example.com", "registry.example.com:v1", "127.0.0.1:5000"}) {
    INFO(ref);
    auto r = parse_reference(ref);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("registry host") != std::string::npos);
  }
  CHECK(parse_reference("alpine:3.18"));
}
