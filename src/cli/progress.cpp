// Progress of long hashing on the terminal (issue 10 item 5): one line on standard error,
// redrawn in place, erased when the pass ends (or the command fails), so that nothing of it stays
// on the screen or reaches a pipe, a file or -o json's readers.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli.hpp"

namespace signy::cli {
namespace {

constexpr std::uint64_t kMinBytes = 8u << 20;  // smaller files hash in a blink: no line at all
constexpr auto kRedraw = std::chrono::milliseconds(100);

class ProgressLine {
 public:
  ProgressLine() = default;
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { erase(); }  // a pass that failed half-way: the error message starts a clean line

  void update(std::uint64_t done, std::uint64_t total) {
    if (total < kMinBytes) return;
    if (done < done_) ended_ = false;  // another pass
    done_ = done;
    if (ended_) return;
    auto now = std::chrono::steady_clock::now();
    bool end = done >= total;
    if (width_ > 0 && !end && now - drawn_at_ < kRedraw) return;
    drawn_at_ = now;
    std::uint64_t percent = done >= total ? 100 : done * 100 / total;
    char line[96];
    int n = std::snprintf(line, sizeof line, "\rsigny: hashing %3llu%% (%llu of %llu MiB)", static_cast<unsigned long long>(percent),
                          static_cast<unsigned long long>(done >> 20), static_cast<unsigned long long>(total >> 20));
    if (n <= 0) return;
    std::string text(line, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1)));
    if (text.size() - 1 < width_) text.append(width_ - (text.size() - 1), ' ');  // over a longer line
    width_ = text.size() - 1;
    write_all(text);
    if (end) {
      erase();
      ended_ = true;
    }
  }

 private:
  void erase() {
    if (width_ == 0) return;
    write_all("\r" + std::string(width_, ' ') + "\r");
    width_ = 0;
  }
  static void write_all(const std::string& s) {
    std::fputs(s.c_str(), stderr);
    std::fflush(stderr);
  }

  std::size_t width_ = 0;  // of the line on the screen, 0: none
  std::uint64_t done_ = 0;
  bool ended_ = false;
  std::chrono::steady_clock::time_point drawn_at_{};
};

}  // namespace

std::function<void(std::uint64_t, std::uint64_t)> terminal_progress(const GlobalOptions& g) {
  // Only for a person watching: text output and standard error a terminal (as git's --progress
  // default). Standard output may be redirected: the line never goes there.
  if (g.output != OutputFormat::text || isatty(STDERR_FILENO) != 1) return {};
  auto line = std::make_shared<ProgressLine>();
  return [line](std::uint64_t done, std::uint64_t total) { line->update(done, total); };
}

}  // namespace signy::cli
