// Hashing. The streaming digest computes SHA-256 and SHA-512 of one read pass, each hash on its
// own thread, in constant memory whatever the input size. The caller supplies the reader, so this
// module still does no I/O itself (util/file.hpp has the file reader).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "signy/util/result.hpp"

namespace signy::crypto {

using Sha256 = std::array<std::uint8_t, 32>;
using Sha512 = std::array<std::uint8_t, 64>;

Sha256 sha256(std::span<const std::uint8_t> data);
Sha512 sha512(std::span<const std::uint8_t> data);

// SHA-256 over data given piece by piece.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void update(std::span<const std::uint8_t> data);
  Sha256 finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

struct Digests {
  std::uint64_t length = 0;
  Sha256 sha256{};
  Sha512 sha512{};
};

// Fills buf and returns the number of bytes read, 0 at the end of input.
using Reader = std::function<Result<std::size_t>(std::span<std::uint8_t> buf)>;

Result<Digests> digest_stream(const Reader& read);

// A third consumer of the same pass (the thick-archive reader: cnab/archive.hpp): it runs on its
// own thread and pulls the chunks the reader filled, in order, without a copy.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // The next chunk, valid until the following call; empty at the end of the input (or once the
  // pass was abandoned: the read failed).
  virtual std::span<const std::uint8_t> next() = 0;
};
using Tap = std::function<Status(ChunkSource& chunks)>;

// digest_stream with a tap: one read of the input feeds both hashes and the tap. A tap that fails
// stops the reading at once; the error returned is the read's when it failed, else the tap's. A
// tap may return before the end: the rest is still hashed.
Result<Digests> digest_stream(const Reader& read, const Tap& tap);

}  // namespace signy::crypto
