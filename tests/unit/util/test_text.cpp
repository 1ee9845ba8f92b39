// Escaping for the terminal, and Go-style durations for -t/--timeout.
#include <catch2/catch.hpp>

#include "signy/util/text.hpp"

using namespace signy;
using namespace std::chrono_literals;

TEST_CASE("control bytes and broken UTF-8 are escaped, printable text is not") {
  CHECK(escape_control("plain text: /a/b c.json") == "plain text: /a/b c.json");
  CHECK(escape_control("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(escape_control("\x1b]0;title\x07\x1b[31m") == "\\x1b]0;title\\x07\\x1b[31m");
  CHECK(escape_control(std::string_view("n\0ul", 4)) == "n\\x00ul");
  CHECK(escape_control("del\x7f") == "del\\x7f");
  CHECK(escape_control("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93");  // UTF-8 stays
  CHECK(escape_control("\x9b" "31m") == "\\x9b31m");                        // a lone 8-bit CSI byte
  CHECK(escape_control("\xc2\x9b" "31m") == "\\xc2\\x9b31m");               // C1 CSI as UTF-8
  CHECK(escape_control("\xff\xfe") == "\\xff\\xfe");
  CHECK(escape_control("\xc3") == "\\xc3");                                  // truncated sequence
  CHECK(escape_control("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");                // overlong
  CHECK(escape_control("\xed\xa0\x80") == "\\xed\\xa0\\x80");                // surrogate
  CHECK(escape_control("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");       // past U+10FFFF
}

TEST_CASE("bidi controls and invisible format characters are escaped (names that display reordered)") {
  CHECK(escape_control("v1\xe2\x80\xae" "gnp.exe") == "v1\\xe2\\x80\\xaegnp.exe");  // U+202E RIGHT-TO-LEFT OVERRIDE
  CHECK(escape_control("a\xe2\x81\xa6" "b") == "a\\xe2\\x81\\xa6b");                  // U+2066 LEFT-TO-RIGHT ISOLATE
  CHECK(escape_control("a\xe2\x80\x8f" "b") == "a\\xe2\\x80\\x8fb");                  // U+200F RIGHT-TO-LEFT MARK
  CHECK(escape_control("a\xe2\x80\x8b" "b") == "a\\xe2\\x80\\x8bb");                  // U+200B ZERO WIDTH SPACE
  CHECK(escape_control("\xef\xbb\xbf" "v1") == "\\xef\\xbb\\xbfv1");                  // U+FEFF
  CHECK(escape_control("a\xc2\xad" "b") == "a\\xc2\\xadb");                              // U+00AD SOFT HYPHEN
  CHECK(escape_control("\xe2\x80\x94 \xe2\x82\xac") == "\xe2\x80\x94 \xe2\x82\xac");  // em dash, euro stay
}

TEST_CASE("durations: Go's syntax and plain seconds") {
  CHECK(parse_duration("30").value() == 30s);
  CHECK(parse_duration("5s").value() == 5s);
  CHECK(parse_duration("1m30s").value() == 90s);
  CHECK(parse_duration("250ms").value() == 250ms);
  CHECK(parse_duration("2h").value() == 2h);
  CHECK(parse_duration("1h0m0s").value() == 1h);
  CHECK(parse_duration("1.5s").value() == 1500ms);
  CHECK(parse_duration(".5m").value() == 30s);
  CHECK(parse_duration("1500us").value() == 1500us);
  CHECK(parse_duration("1500\xc2\xb5s").value() == 1500us);
  CHECK(parse_duration("10ns").value() == 10ns);
  CHECK(parse_duration("0").value() == 0s);
}

TEST_CASE("bad durations are usage errors naming the text") {
  for (std::string_view bad : {"", "s", "5x", "-1s", "+1s", " 5s", "5s ", "1m30", "5 s", "1..5s", "1.s5", "0x10",
                               "5sec", "1e3s", "99999999999999999999s", "3000000h", "9223372036854775807"}) {
    auto r = parse_duration(bad);
    INFO(bad);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("\"" + std::string(bad) + "\"") != std::string::npos);
  }
}
