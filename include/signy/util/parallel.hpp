// A loop over indices on a few threads: hashing a tree's files, copying them, parsing link files.
#pragma once
#include <cstddef>
#include <functional>

namespace signy {

// Calls body(i) once for each i in [0, n), on up to `threads` threads (the caller's included),
// the indices taken in increasing order; returns when every call has returned. body returns false
// to stop: indices not yet taken are skipped (calls under way finish). threads 0 counts as 1; no
// thread is started for n < 2. body must be safe to call concurrently. A call that throws stops
// the loop as false does; once every thread has returned, the first exception thrown is rethrown
// in the caller's thread (as the loop on one thread would have thrown it; never std::terminate).
void parallel_for(std::size_t n, unsigned threads, const std::function<bool(std::size_t)>& body);

}  // namespace signy
