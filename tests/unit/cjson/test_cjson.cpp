#include <catch2/catch.hpp>

#include "signy/cjson/cjson.hpp"

using namespace signy;
using namespace signy::cjson;

namespace {
Json P(std::string_view s) {
  auto r = parse_strict(s);
  if (!r) FAIL(r.error().message);
  return *r;
}
}  // namespace

TEST_CASE("parse_strict refuses duplicate keys at any depth") {
  CHECK(parse_strict(R"({"a":1,"a":2})").error().code == Errc::duplicate_key);
  CHECK(parse_strict(R"({"x":[{"b":1,"b":1}]})").error().code == Errc::duplicate_key);
  // The same key in sibling objects is fine.
  CHECK(parse_strict(R"([{"a":1},{"a":2}])"));
}

TEST_CASE("parse_strict refuses malformed, truncated and trailing data") {
  for (const char* bad : {"", "{", R"({"a":)", R"({"a":1,})", "[1,]", "{'a':1}", "nul", R"({"a":1} x)",
                          "\"\\ud800\"", "\"\xff\"", "01", "NaN", "[1] [2]"}) {
    INFO(bad);
    auto r = parse_strict(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::malformed_json);
  }
  // Found by review: nlohmann ends the input at a NUL byte, so trailing data behind one was
  // accepted; and it skips a UTF-8 byte order mark, which Python's json and Go's encoding/json refuse.
  using namespace std::string_view_literals;
  for (auto bad : {R"({"a":1})" "\0" R"({"b":2})"sv, "{\"a\":1}\0"sv, "\xEF\xBB\xBF{\"a\":1}"sv, "[1,\0 2]"sv}) {
    auto r = parse_strict(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::malformed_json);
  }
}

TEST_CASE("parse_strict enforces size and depth limits") {
  ParseLimits lim;
  lim.max_bytes = 10;
  CHECK(parse_strict("[1,2,3,4,5,6]", lim).error().code == Errc::too_large);
  lim = ParseLimits{};
  lim.max_depth = 3;
  CHECK(parse_strict("[[[1]]]", lim));
  CHECK(parse_strict("[[[[1]]]]", lim).error().code == Errc::too_deep);
  CHECK(parse_strict(std::string(100000, '[')).error().code == Errc::too_deep);
}

TEST_CASE("notary canonical: sorted keys, minimal escapes, integral numbers") {
  auto j = P(R"({"b":1,"a":"x\"y\\z\t<&>\u2028é","10":[1.0,1e3,-7,true,null],"9":{}})");
  CHECK(notary_canonical(j).value() ==
        "{\"10\":[1,1000,-7,true,null],\"9\":{},\"a\":\"x\\\"y\\\\z\t<&>\xe2\x80\xa8\xc3\xa9\",\"b\":1}");
  CHECK(notary_canonical(P(R"({"x":1.5})")).error().code == Errc::unsupported_value);
  CHECK(notary_canonical(P("18446744073709551615")).error().code == Errc::unsupported_value);
}

TEST_CASE("go_html_escape reproduces Go's envelope escaping") {
  CHECK(go_html_escape("{\"we<ird>&name/\xc3\xbc\":\"\xe2\x80\xa8\xe2\x80\xa9\"}") ==
        "{\"we\\u003cird\\u003e\\u0026name/\xc3\xbc\":\"\\u2028\\u2029\"}");
}

TEST_CASE("securesystemslib canonical refuses every float and keeps big integers") {
  CHECK(sslib_canonical(P("[1.0]")).error().code == Errc::unsupported_value);
  CHECK(sslib_canonical(P("[-1,0,18446744073709551615,[]]")).value() == "[-1,0,18446744073709551615,[]]");
  // Code point order equals UTF-8 byte order: U+FFFF before U+1F600 (UTF-16 order would differ).
  CHECK(sslib_canonical(P(R"({"😀":2,"\uffff":1})")).value() == "{\"\xef\xbf\xbf\":1,\"\xf0\x9f\x98\x80\":2}");
}

TEST_CASE("JCS numbers follow ECMAScript Number.prototype.toString") {
  auto c = [](const char* s) { return cnab_canonical(P(s)).value(); };
  CHECK(c("[1.0,1e16,1e21,1e-7,-0.0,0.1,123.456,5e-324,1e-6,100]") ==
        "[1,10000000000000000,1e+21,1e-7,0,0.1,123.456,5e-324,0.000001,100]");
  CHECK(c("[12345678901234567890]") == "[12345678901234567000]");
  CHECK(c("[1.7976931348623157e308]") == "[1.7976931348623157e+308]");
}

TEST_CASE("JCS sorts keys by UTF-16 code units and escapes control characters") {
  auto r = cnab_canonical(P(R"({"\ue000":1,"😀":2,"a\u001f\n<&>":3})")).value();
  CHECK(r == "{\"a\\u001f\\n<&>\":3,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
}

TEST_CASE("check_cnab_canonical accepts canonical bundles and points at the first difference") {
  CHECK(check_cnab_canonical(R"({"name":"x","schemaVersion":"v1.0.0"})"));
  auto r = check_cnab_canonical(R"({"schemaVersion":"v1.0.0","name":"x"})");
  REQUIRE(!r);
  CHECK(r.error().code == Errc::not_canonical);
  CHECK(r.error().message.find("byte 2") != std::string::npos);
  CHECK(check_cnab_canonical("{\"name\":\"x\"}\n").error().code == Errc::not_canonical);  // trailing newline
  CHECK(check_cnab_canonical(R"({"a":1,"a":1})").error().code == Errc::duplicate_key);
}

TEST_CASE("parse_strict_stream writes canonical bytes while parsing and hands over members") {
  std::string doc = R"({"signatures":[],"signed":{"a":1,"m":{"x":{"k":[1,"\u003c"]},"y":2},"z":"q\"\\"}})";
  std::vector<std::pair<std::string, Json>> got;
  StreamOptions opts{{"signed"}, {"signed", "m"}, [&](std::string&& k, Json&& v) -> Status {
                       got.emplace_back(std::move(k), std::move(v));
                       return {};
                     }, {}, {}};
  auto r = parse_strict_stream(doc, opts);
  REQUIRE(r);
  auto full = parse_strict(doc).value();
  CHECK(r->canonical == notary_canonical(full["signed"]).value());
  REQUIRE(got.size() == 2);
  CHECK(got[0].first == "x");
  CHECK(got[0].second == full["signed"]["m"]["x"]);
  CHECK(got[1].first == "y");
  CHECK(r->doc["signed"]["m"].empty());  // members went to the callback
  CHECK(r->doc["signed"]["a"] == 1);
}

TEST_CASE("parse_strict_stream gives way to the DOM path, and keeps every strictness rule") {
  auto run = [](std::string_view doc, std::function<Status(std::string&&, Json&&)> cb = {}) {
    StreamOptions opts{{"signed"}, cb ? std::vector<std::string>{"signed", "m"} : std::vector<std::string>{}, cb, {}, {}};
    return parse_strict_stream(doc, opts);
  };
  auto ok = [](std::string&&, Json&&) -> Status { return {}; };
  CHECK(run(R"({"signed":{"b":1,"a":2}})").error().code == Errc::not_canonical);    // unsorted keys
  CHECK(run(R"({"signed":{"a":1.5}})").error().code == Errc::not_canonical);        // a float
  CHECK(run(R"({"signed":{"a":18446744073709551615}})").error().code == Errc::not_canonical);  // above int64
  CHECK(run(R"({"signed":{"m":{"a":1,"a":2}}})", ok).error().code == Errc::not_canonical);   // repeated member
  CHECK(run(R"({"other":{}})").error().code == Errc::not_found);
  CHECK(run(R"({"signed":{},"signed":{}})").error().code == Errc::duplicate_key);
  CHECK(run(R"({"signed":{"a":1}} x)").error().code == Errc::malformed_json);
  // Outside the canonical value, order does not matter but duplicates still do.
  CHECK(run(R"({"z":1,"signed":{"a":1},"b":2})"));
  CHECK(run(R"({"z":1,"signed":{"a":1},"z":2})").error().code == Errc::duplicate_key);
  // A callback's refusal stops the parse with its error.
  auto refuse = [](std::string&&, Json&&) -> Status { return fail(Errc::hash_mismatch, "no"); };
  CHECK(run(R"({"signed":{"m":{"a":1}}})", refuse).error().code == Errc::hash_mismatch);
}

#include "signy/cjson/recording_sax.hpp"

TEST_CASE("the plain-JSON fast path delivers nlohmann's events, and leaves everything else to it") {
  using detail::FastParse;
  auto both = [](std::string_view doc) {
    detail::RecordingSax fast, full;
    auto r = detail::fast_sax_parse(doc, fast);
    bool ok = Json::sax_parse(doc.begin(), doc.end(), &full, nlohmann::json::input_format_t::json, true);
    return std::tuple{r, fast.events, ok, full.events};
  };
  for (std::string_view doc : {R"({"a":[1,-2,0,true,false,null,"x\"\\\/\b\f\n\r\t"],"b":{},"c":[]})",
                               " \n\t{ \"k\" : 18446744073709551615 , \"m\":-9223372036854775808 }\r\n", "[]", "7", "\"s\""}) {
    INFO(doc);
    auto [r, fast, ok, full] = both(doc);
    CHECK(r == FastParse::done);
    CHECK(ok);
    CHECK(fast == full);
  }
  // Not plain JSON (\u escapes, non-ASCII, DEL, floats, -0, big numbers, leading zeros), or not
  // JSON at all: deferred, whatever nlohmann then says.
  for (std::string_view doc : {R"(["\u003c"])", "[\"\xc3\xbc\"]", "[\"\x7f\"]", "[1.5]", "[1e3]", "[-0]",
                               "[18446744073709551616]", "[-9223372036854775809]", "[01]", "[1,]", "{\"a\":1,}", "[1] x",
                               "{\"a\" 1}", "[tru]", "[\"a\x01\"]", "", "   ", "\xef\xbb\xbf[]", "[\"a", "{\"a\":1"}) {
    INFO(doc);
    detail::RecordingSax fast;
    CHECK(detail::fast_sax_parse(doc, fast) == FastParse::deferred);
  }
}
