#include <catch2/catch.hpp>

#include "signy/util/time.hpp"

using namespace signy;

TEST_CASE("expires is written exactly as Go's RFC3339Nano in UTC") {
  // Values seen in real Notary metadata (fixtures and notary-formats facts).
  for (const char* s : {"2029-11-21T10:55:43.050671993Z", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.0000005Z",
                        "2036-11-19T10:54:56.70179104Z"}) {
    auto t = parse_rfc3339(s);
    REQUIRE(t);
    CHECK(format_rfc3339nano(*t) == s);
  }
}

TEST_CASE("times with offsets and padded fractions parse to the same instant, written in Go's form") {
  CHECK(format_rfc3339nano(parse_rfc3339("2029-11-21T16:27:20.3404747+05:30").value()) == "2029-11-21T10:57:20.3404747Z");
  CHECK(format_rfc3339nano(parse_rfc3339("2030-01-01T00:00:00.000Z").value()) == "2030-01-01T00:00:00Z");
  CHECK(format_rfc3339nano(parse_rfc3339("2030-01-01T00:00:00+00:00").value()) == "2030-01-01T00:00:00Z");
  CHECK(format_rfc3339nano(parse_rfc3339("2029-12-31T20:00:00-04:00").value()) == "2030-01-01T00:00:00Z");
}

TEST_CASE("malformed times are refused") {
  for (const char* s : {"", "2030-01-01", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z",
                        "2030-01-01T24:00:00Z", "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00.1234567891Z",
                        "2030-01-01T00:00:00Zjunk", "2030-01-01T00:00:00+0500", "2030-01-01 00:00:00Z"}) {
    INFO(s);
    CHECK(!parse_rfc3339(s));
  }
}

TEST_CASE("years outside the nanosecond range saturate instead of overflowing (fuzzer finding)") {
  CHECK(parse_rfc3339("9999-12-31T23:59:59Z").value() == kLatestTime);
  CHECK(parse_rfc3339("0000-01-01T00:00:00Z").value() == kEarliestTime);
  CHECK(parse_rfc3339("2200-01-01T00:00:00Z").value() < kLatestTime);
  // And they can be written back (the second fuzzer finding was formatting the saturated value).
  CHECK(format_rfc3339nano(kLatestTime).rfind("2255-", 0) == 0);
  CHECK(format_rfc3339nano(kEarliestTime).rfind("1684-", 0) == 0);
}
