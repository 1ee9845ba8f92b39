// digest_stream with a tap (crypto/digest.hpp): a third consumer of the same read, on its own
// thread (the thick-archive reader, cnab/archive.hpp).
#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "signy/crypto/digest.hpp"

using namespace signy;
using namespace signy::crypto;

namespace {
using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t size) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + i / 977);
  return b;
}

Reader reader_of(const Bytes& data, std::size_t& off, std::size_t piece = 100000) {
  return [&data, &off, piece](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    std::size_t n = std::min({buf.size(), data.size() - off, piece});
    std::copy_n(data.begin() + static_cast<long>(off), n, buf.begin());
    off += n;
    return n;
  };
}
}  // namespace

TEST_CASE("digest_stream's tap sees every byte once, in order, and the digests are unchanged") {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65536}, std::size_t{3u << 20} + 17}) {
    INFO(size);
    auto data = pattern(size);
    std::size_t off = 0;
    Bytes seen;
    auto d = digest_stream(reader_of(data, off), [&](ChunkSource& chunks) -> Status {
               for (auto c = chunks.next(); !c.empty(); c = chunks.next()) seen.insert(seen.end(), c.begin(), c.end());
               return {};
             }).value();
    CHECK(seen == data);
    CHECK(d.length == size);
    CHECK(d.sha256 == sha256(data));
    CHECK(d.sha512 == sha512(data));
  }
}

TEST_CASE("a tap that returns early leaves the rest hashed, a failing tap stops the read") {
  auto data = pattern(4u << 20);
  std::size_t off = 0;
  auto d = digest_stream(reader_of(data, off), [](ChunkSource& chunks) -> Status {
             chunks.next();
             return {};
           }).value();
  CHECK(d.length == data.size());
  CHECK(d.sha512 == sha512(data));

  std::atomic<std::size_t> reads{0};
  auto counting = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    ++reads;
    return buf.size();  // endless input: only the tap's failure ends it
  };
  auto r = digest_stream(counting, [](ChunkSource& chunks) -> Status {
    chunks.next();
    chunks.next();
    return fail(Errc::unsafe_archive, "refused");
  });
  REQUIRE(!r);
  CHECK(r.error().code == Errc::unsafe_archive);
  CHECK(reads < 64);  // at most the ring ahead of the tap

  // The read's own error wins over what the tap made of the cut.
  std::size_t calls = 0;
  auto failing = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    if (++calls == 5) return fail(Errc::io_error, "disk on fire");
    return buf.size();
  };
  r = digest_stream(failing, [](ChunkSource& chunks) -> Status {
    while (!chunks.next().empty()) {
    }
    return fail(Errc::invalid_bundle, "truncated");
  });
  REQUIRE(!r);
  CHECK(r.error().message == "disk on fire");
}
