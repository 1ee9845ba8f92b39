// Plain http is allowed to this machine only (servers and token realms): a literal address in
// 127.0.0.0/8 or ::1, or `localhost` when it resolves to loopback addresses only.
#include <catch2/catch.hpp>

#include "signy/net/http.hpp"

using namespace signy::net;

TEST_CASE("loopback: literal addresses in 127.0.0.0/8 and ::1") {
  CHECK(is_loopback_http("http://127.0.0.1"));
  CHECK(is_loopback_http("http://127.0.0.1/"));
  CHECK(is_loopback_http("http://127.0.0.1:4443/v2"));
  CHECK(is_loopback_http("http://127.1.2.3:80/token?x=1"));
  CHECK(is_loopback_http("http://127.255.255.254"));
  CHECK(is_loopback_http("http://[::1]"));
  CHECK(is_loopback_http("http://[::1]:4443/v2"));
  CHECK(is_loopback_http("HTTP://127.0.0.1/"));
}

TEST_CASE("loopback: localhost only when it resolves to loopback") {
  // On the test machines localhost resolves to 127.0.0.1 (and ::1).
  CHECK(is_loopback_http("http://localhost"));
  CHECK(is_loopback_http("http://localhost:5000/token"));
  CHECK(!is_loopback_http("http://localhost.example.com"));
  CHECK(!is_loopback_http("http://localhost.:5000"));
}

TEST_CASE("loopback: look-alikes and tricks are not loopback") {
  CHECK(!is_loopback_http("https://127.0.0.1"));  // not plain http (https needs no exception)
  CHECK(!is_loopback_http("http://127.0.0.1.example.com/token"));
  CHECK(!is_loopback_http("http://127.0.0.1@evil.example.com/"));        // userinfo: the host is evil
  CHECK(!is_loopback_http("http://user:pw@127.0.0.1/"));                 // no userinfo at all
  CHECK(!is_loopback_http("http://evil.example.com#@127.0.0.1/"));
  CHECK(!is_loopback_http("http://evil.example.com?@127.0.0.1/"));
  CHECK(!is_loopback_http("http://evil.example.com\\@127.0.0.1/"));
  CHECK(!is_loopback_http("http://0x7f000001/"));                        // inet_aton forms
  CHECK(!is_loopback_http("http://0x7f.0.0.1/"));
  CHECK(!is_loopback_http("http://2130706433/"));
  CHECK(!is_loopback_http("http://127.1/"));
  CHECK(!is_loopback_http("http://0177.0.0.1/"));                         // octal: 127 to some, 177 to others
  CHECK(!is_loopback_http("http://127.000.000.001/"));
  CHECK(!is_loopback_http("http://127.0.0.1:80x/"));
  CHECK(!is_loopback_http("http://127.0.0.1:/"));
  CHECK(!is_loopback_http("http://127.0.0.1:99999/"));
  CHECK(!is_loopback_http("http://[::ffff:127.0.0.1]/"));
  CHECK(!is_loopback_http("http://[::1"));
  CHECK(!is_loopback_http("http://[::2]/"));
  CHECK(!is_loopback_http("http://0.0.0.0/"));
  CHECK(!is_loopback_http("http://128.0.0.1/"));
  CHECK(!is_loopback_http("http://"));
  CHECK(!is_loopback_http("http:///x"));
  CHECK(!is_loopback_http("http://127.0.0.1 /"));
  CHECK(!is_loopback_http(std::string_view("http://127.0.0.1\0.evil.com", 26)));
}
