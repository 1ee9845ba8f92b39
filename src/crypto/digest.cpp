// One read pass, two hashes: the reader fills a small ring of buffers; a SHA-256 thread and a
// SHA-512 thread each consume every buffer, so wall time is bounded by the slower hash alone
// (SHA-512 on CPUs with SHA extensions, SHA-256 without them) and memory by the ring (kSlots x
// kChunk = 1 MiB), whatever the input size. Chunks start small and grow, so a small file costs
// kFirstChunk of buffer, not the whole ring. 128 KiB chunks hash as fast as 1 MiB ones (bench/
// digest.sh) and the ring's depth absorbs the two hashes' different speeds.
#include "signy/crypto/digest.hpp"

#include <openssl/evp.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ossl.hpp"

namespace signy::crypto {
namespace {

constexpr std::size_t kChunk = 128u << 10;
constexpr std::size_t kFirstChunk = 64u << 10;
constexpr std::size_t kSlots = 8;

std::size_t chunk_size(std::uint64_t i) { return i == 0 ? kFirstChunk : kChunk; }

template <std::size_t N>
std::array<std::uint8_t, N> one_shot(const EVP_MD* md, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, N> out{};
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}

// Ring of filled chunks shared by the producer (reader) and the two hash consumers.
struct Ring {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::vector<std::uint8_t>> buf{kSlots};  // grown by the producer while idle
  std::size_t size[kSlots]{};
  std::uint64_t produced = 0;     // chunks published
  std::uint64_t consumed[2]{};    // chunks finished by each consumer
  bool done = false;              // producer reached the end (or failed)
  bool abort = false;
};

void consume(Ring& ring, int who, EVP_MD_CTX* ctx) {
  for (std::uint64_t i = 0;; ++i) {
    std::size_t slot = i % kSlots, len;
    {
      std::unique_lock lk(ring.m);
      ring.cv.wait(lk, [&] { return ring.produced > i || ring.done || ring.abort; });
      if (ring.abort || ring.produced <= i) return;
      len = ring.size[slot];
    }
    EVP_DigestUpdate(ctx, ring.buf[slot].data(), len);
    {
      std::lock_guard lk(ring.m);
      ring.consumed[who] = i + 1;
    }
    ring.cv.notify_all();
  }
}

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) std::abort();
}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256Hasher::update(std::span<const std::uint8_t> data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
Sha256 Sha256Hasher::finish() {
  Sha256 out{};
  unsigned len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return out;
}

Sha256 sha256(std::span<const std::uint8_t> data) { return one_shot<32>(EVP_sha256(), data); }
Sha512 sha512(std::span<const std::uint8_t> data) { return one_shot<64>(EVP_sha512(), data); }

Result<Digests> digest_stream(const Reader& read) {
  ossl::MdCtx c256(EVP_MD_CTX_new()), c512(EVP_MD_CTX_new());
  if (!c256 || !c512 || EVP_DigestInit_ex(c256.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestInit_ex(c512.get(), EVP_sha512(), nullptr) != 1)
    return fail(Errc::crypto_failure, "cannot initialise digests");
  Ring ring;
  std::thread t256(consume, std::ref(ring), 0, c256.get());
  std::thread t512(consume, std::ref(ring), 1, c512.get());
  Digests d;
  std::optional<Error> error;
  for (std::uint64_t i = 0;; ++i) {
    std::size_t slot = i % kSlots;
    {
      // Wait until both consumers are done with the chunk that used this slot before.
      std::unique_lock lk(ring.m);
      ring.cv.wait(lk, [&] { return i < kSlots || (ring.consumed[0] > i - kSlots && ring.consumed[1] > i - kSlots); });
    }
    auto& b = ring.buf[slot];  // no consumer reads this slot now (waited above)
    if (b.size() < chunk_size(i)) b.resize(chunk_size(i));
    auto n = read(std::span<std::uint8_t>(b.data(), b.size()));
    if (!n) {
      error = n.error();
      break;
    }
    if (*n == 0) break;
    d.length += *n;
    {
      std::lock_guard lk(ring.m);
      ring.size[slot] = *n;
      ring.produced = i + 1;
    }
    ring.cv.notify_all();
  }
  {
    std::lock_guard lk(ring.m);
    ring.done = true;
    if (error) ring.abort = true;
  }
  ring.cv.notify_all();
  t256.join();
  t512.join();
  if (error) return tl::unexpected(*error);
  unsigned len = 0;
  EVP_DigestFinal_ex(c256.get(), d.sha256.data(), &len);
  EVP_DigestFinal_ex(c512.get(), d.sha512.data(), &len);
  return d;
}

}  // namespace signy::crypto
