#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/secret.hpp"
#include "testsupport.hpp"

using namespace signy;

TEST_CASE("hex round trip and bad input") {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  CHECK(hex_encode(b) == "0001abff");
  CHECK(hex_decode("0001ABff").value() == b);
  CHECK(hex_decode("abc").error().code == Errc::bad_encoding);
  CHECK(hex_decode("zz").error().code == Errc::bad_encoding);
}

TEST_CASE("base64 matches RFC 4648 test vectors") {
  const char* vec[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},    {"foo", "Zm9v"},
                          {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto& v : vec) {
    CHECK(base64_encode(as_bytes(v[0])) == v[1]);
    CHECK(base64_decode(v[1]).value() == to_bytes(v[0]));
  }
}

TEST_CASE("base64 refuses malformed input") {
  CHECK(base64_decode("Zg=").error().code == Errc::bad_encoding);     // length
  CHECK(base64_decode("Z===").error().code == Errc::bad_encoding);    // too much padding
  CHECK(base64_decode("Zg==Zg==").error().code == Errc::bad_encoding);  // padding mid-stream
  CHECK(base64_decode("Zh==").error().code == Errc::bad_encoding);    // non-zero trailing bits
  CHECK(base64_decode("Zm9v\n").error().code == Errc::bad_encoding);
  CHECK(base64_decode("Zm-_").error().code == Errc::bad_encoding);    // url alphabet
  CHECK(base64_decode_lenient_whitespace("Zm9v\nYmFy\r\n").value() == to_bytes("foobar"));
}

TEST_CASE("SecretString wipes on move and clear") {
  SecretString a(std::string("correct horse battery staple"));
  SecretString b(std::move(a));
  CHECK(a.empty());
  CHECK(b.view() == "correct horse battery staple");
  b.clear();
  CHECK(b.empty());
}

TEST_CASE("atomic_write creates the file with the requested mode and replaces it whole") {
  TempDir dir;
  auto p = dir.path() / "k.key";
  REQUIRE(atomic_write(p, "one", 0600));
  REQUIRE(atomic_write(p, "two", 0600));
  CHECK(read_file_limited(p, 100).value() == "two");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // No temporary files are left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("atomic_write into a missing directory fails and leaves nothing") {
  TempDir dir;
  auto r = atomic_write(dir.path() / "missing" / "x", "data", 0600);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("read_file_limited enforces the size cap and reports missing files") {
  TempDir dir;
  REQUIRE(atomic_write(dir.path() / "f", std::string(100, 'x'), 0600));
  CHECK(read_file_limited(dir.path() / "f", 99).error().code == Errc::too_large);
  CHECK(read_file_limited(dir.path() / "f", 100).value().size() == 100);
  CHECK(read_file_limited(dir.path() / "nope", 100).error().code == Errc::not_found);
}

TEST_CASE("check_private_file refuses group/world accessible files") {
  TempDir dir;
  auto p = dir.path() / "k";
  REQUIRE(atomic_write(p, "x", 0644));
  auto r = check_private_file(p);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::bad_permissions);
  CHECK(r.error().message.find("0644") != std::string::npos);
  ::chmod(p.c_str(), 0600);
  CHECK(check_private_file(p));
}

TEST_CASE("make_private_dirs creates nested 0700 directories") {
  TempDir dir;
  auto p = dir.path() / "a" / "b";
  REQUIRE(make_private_dirs(p));
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("exit codes follow the documented table") {
  CHECK(exit_code(category_of(Errc::hash_mismatch)) == 1);
  CHECK(exit_code(category_of(Errc::usage)) == 2);
  CHECK(exit_code(category_of(Errc::malformed_json)) == 3);
  CHECK(exit_code(category_of(Errc::network)) == 4);
  CHECK(exit_code(category_of(Errc::bad_permissions)) == 5);
  CHECK(exit_code(category_of(Errc::internal)) == 6);
}

TEST_CASE("base64_decode_to decodes into a buffer with base64_decode's rules") {
  std::array<std::uint8_t, 4> buf{};
  CHECK(base64_decode_to("AQID", buf).value() == 3);
  CHECK(buf[0] == 1);
  CHECK(buf[2] == 3);
  CHECK(base64_decode_to("AQIDBA==", buf).value() == 4);
  CHECK(base64_decode_to("AQIDBAU=", buf).error().code == Errc::too_large);  // 5 bytes
  CHECK(base64_decode_to("AQI", buf).error().code == Errc::bad_encoding);
  CHECK(base64_decode_to("AQ==", buf).value() == 1);
  CHECK(base64_decode_to("AR==", buf).error().code == Errc::bad_encoding);  // non-zero padding bits
  CHECK(base64_decode_to("", buf).value() == 0);
}
