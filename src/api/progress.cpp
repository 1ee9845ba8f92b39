#include "signy/api/progress.hpp"

#include "signy/util/file.hpp"

namespace signy::api {

crypto::Reader with_progress(const Context& ctx, const crypto::Reader& read, std::uint64_t total) {
  if (!ctx.progress) return read;
  return [&ctx, &read, total, done = std::uint64_t{0}](std::span<std::uint8_t> buf) mutable -> Result<std::size_t> {
    auto n = read(buf);
    if (n && *n > 0) {
      done += *n;
      ctx.progress(done, total);
    }
    return n;
  };
}

Result<crypto::Digests> digest_file(const Context& ctx, const std::filesystem::path& file) {
  auto reader = SIGNY_TRY(FileReader::open(file));
  crypto::Reader read = [&reader](std::span<std::uint8_t> buf) { return reader.read(buf); };
  return crypto::digest_stream(with_progress(ctx, read, reader.size()));
}

}  // namespace signy::api
