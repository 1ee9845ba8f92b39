// One read pass, two hashes: the reader fills a small ring of buffers; a SHA-256 thread and a
// SHA-512 thread each consume every buffer, so wall time is bounded by the slower hash alone
// (SHA-512 on CPUs with SHA extensions, SHA-256 without them) and memory by the ring (kSlots x
// kChunk = 1 MiB), whatever the input size. Chunks start small and grow, so a small file costs
// kFirstChunk of buffer, not the whole ring. 128 KiB chunks hash as fast as 1 MiB ones (bench/
// digest.sh) and the ring's depth absorbs the two hashes' different speeds. A tap (the thick-archive
// reader) is a third consumer of the same chunks, on its own thread.
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

// Given EVP_sha256(), OpenSSL 3 looks the implementation up in its provider store (a lock and a
// search) on every init: 10% of the time of hashing 10,000 small files (in-toto products). Fetched
// once here and kept for the process; the built-in method if the fetch fails.
const EVP_MD* fetched_or(const char* name, const EVP_MD* builtin) {
  const EVP_MD* m = EVP_MD_fetch(nullptr, name, nullptr);
  return m ? m : builtin;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = fetched_or("SHA2-256", EVP_sha256());
  return md;
}
const EVP_MD* sha512_md() {
  static const EVP_MD* const md = fetched_or("SHA2-512", EVP_sha512());
  return md;
}

template <std::size_t N>
std::array<std::uint8_t, N> one_shot(const EVP_MD* md, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, N> out{};
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}

// Ring of filled chunks shared by the producer (reader) and the consumers: the two hashes and,
// when given, a tap (digest_stream with a Tap).
struct Ring {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::vector<std::uint8_t>> buf{kSlots};  // grown by the producer while idle
  std::size_t size[kSlots]{};
  std::uint64_t produced = 0;     // chunks published
  std::uint64_t consumed[3]{};    // chunks finished by each consumer (2: the tap)
  bool tap_done = true;           // no tap, or it returned: the producer does not wait for it
  bool done = false;              // producer reached the end (or failed)
  bool abort = false;             // the read or the tap failed: everyone stops
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

// The tap's view of the ring: chunk i stays valid (unreused by the producer) until next() is
// called again.
class RingSource final : public ChunkSource {
 public:
  explicit RingSource(Ring& ring) : ring_(ring) {}
  std::span<const std::uint8_t> next() override {
    std::unique_lock lk(ring_.m);
    ring_.consumed[2] = next_;  // the chunk handed out before is released
    ring_.cv.notify_all();
    ring_.cv.wait(lk, [&] { return ring_.produced > next_ || ring_.done || ring_.abort; });
    if (ring_.abort || ring_.produced <= next_) return {};
    std::size_t slot = next_ % kSlots;
    ++next_;
    return {ring_.buf[slot].data(), ring_.size[slot]};
  }

 private:
  Ring& ring_;
  std::uint64_t next_ = 0;
};

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) != 1) std::abort();
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

Sha256 sha256(std::span<const std::uint8_t> data) { return one_shot<32>(sha256_md(), data); }
Sha512 sha512(std::span<const std::uint8_t> data) { return one_shot<64>(sha512_md(), data); }

Result<Digests> digest_stream(const Reader& read) { return digest_stream(read, Tap{}); }

Result<Digests> digest_stream(const Reader& read, const Tap& tap) {
  ossl::MdCtx c256(EVP_MD_CTX_new()), c512(EVP_MD_CTX_new());
  if (!c256 || !c512 || EVP_DigestInit_ex(c256.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestInit_ex(c512.get(), sha512_md(), nullptr) != 1)
    return fail(Errc::crypto_failure, "cannot initialise digests");
  Ring ring;
  std::thread t256(consume, std::ref(ring), 0, c256.get());
  std::thread t512(consume, std::ref(ring), 1, c512.get());
  std::optional<Error> tap_error;
  std::thread ttap;
  if (tap) {
    ring.tap_done = false;
    ttap = std::thread([&] {
      RingSource source(ring);
      auto st = tap(source);
      std::lock_guard lk(ring.m);
      ring.tap_done = true;
      if (!st) {
        tap_error = st.error();
        ring.abort = true;
      }
      ring.cv.notify_all();
    });
  }
  Digests d;
  std::optional<Error> error;
  for (std::uint64_t i = 0;; ++i) {
    std::size_t slot = i % kSlots;
    {
      // Wait until every consumer is done with the chunk that used this slot before.
      std::unique_lock lk(ring.m);
      ring.cv.wait(lk, [&] {
        return ring.abort || i < kSlots ||
               (ring.consumed[0] > i - kSlots && ring.consumed[1] > i - kSlots && (ring.tap_done || ring.consumed[2] > i - kSlots));
      });
      if (ring.abort) break;
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
  if (ttap.joinable()) ttap.join();
  if (error) return tl::unexpected(*error);
  if (tap_error) return tl::unexpected(*tap_error);
  unsigned len = 0;
  EVP_DigestFinal_ex(c256.get(), d.sha256.data(), &len);
  EVP_DigestFinal_ex(c512.get(), d.sha512.data(), &len);
  return d;
}

}  // namespace signy::crypto
