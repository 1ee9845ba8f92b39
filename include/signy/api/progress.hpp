// Progress of long hashing (issue 10 item 5): the readers of a large file report to
// Context::progress, which the CLI sets only when standard error is a terminal and the output is
// text (src/cli/progress.cpp). Unset, nothing is reported and nothing is added to the read.
#pragma once
#include <cstdint>
#include <filesystem>

#include "signy/api/api.hpp"
#include "signy/crypto/digest.hpp"

namespace signy::api {

// `read`, reporting (bytes read so far, total) to ctx.progress after each read that returned
// bytes. The returned reader refers to ctx and read: both must outlive it.
crypto::Reader with_progress(const Context& ctx, const crypto::Reader& read, std::uint64_t total);

// signy digest: length, SHA-256 and SHA-512 of a regular file in one streaming pass, with progress.
Result<crypto::Digests> digest_file(const Context& ctx, const std::filesystem::path& file);

}  // namespace signy::api
