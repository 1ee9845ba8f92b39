// in-toto verification composed: the intoto verifier, link files from a directory, and each
// inspection run by sys::run_bounded in one private directory holding a copy of the artifacts
// (verifylib.run_all_inspections runs in_toto_run(name, ["."], ["."], run) in the verifier's
// current directory; signy runs it in the copy, so an inspection never touches the originals).
#include "signy/api/intoto.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "signy/intoto/record.hpp"
#include "signy/sys/copy.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::api {
namespace {

std::string bytes_text(std::uint64_t n) {
  if (n >= (1u << 30) && n % (1u << 30) == 0) return std::to_string(n >> 30) + " GiB";
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1u << 10) && n % (1u << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

// The value of the limit that tripped, as the flags and the header state it.
std::string limit_value(sys::Limit limit, const sys::Limits& l) {
  switch (limit) {
    case sys::Limit::timeout:
      return l.wall.count() % 1000 == 0 ? std::to_string(l.wall.count() / 1000) + " s" : std::to_string(l.wall.count()) + " ms";
    case sys::Limit::cpu: return std::to_string(l.cpu.count()) + " s";
    case sys::Limit::memory: return bytes_text(l.memory);
    case sys::Limit::file_size: return bytes_text(l.file_size);
    case sys::Limit::open_files: return std::to_string(l.open_files);
    case sys::Limit::processes: return std::to_string(l.processes);
    case sys::Limit::output: return bytes_text(l.output);
    case sys::Limit::none: break;
  }
  return "";
}

// One verification's inspections: the private directory is made and filled on first use and
// shared by every inspection, in order (the reference's inspections share its current directory:
// each sees what the ones before it left).
class InspectionRunner {
 public:
  InspectionRunner(std::filesystem::path artifacts, sys::Limits limits)
      : artifacts_(std::move(artifacts)), limits_(limits) {}
  InspectionRunner(const InspectionRunner&) = delete;
  InspectionRunner& operator=(const InspectionRunner&) = delete;
  // The files go on two threads first; PrivateDir then removes the empty directories (and anything
  // left).
  ~InspectionRunner() {
    if (dir_) sys::clear_tree(dir_->path());
  }

  Result<intoto::Link> run(const intoto::Inspection& inspection) {
    // The verifier names the inspection and its command in front of any error (stage_error).
    const std::string what = "in-toto";
    const std::string name = "in-toto: inspection " + escape_control(inspection.name);
    auto t0 = std::chrono::steady_clock::now();
    auto since = [&t0] {
      auto now = std::chrono::steady_clock::now();
      auto ms = std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count() / 1000.0;
      t0 = now;
      return " (" + std::to_string(ms).substr(0, std::to_string(ms).find('.') + 2) + " ms)";
    };
    if (!dir_) {
      auto dir = sys::PrivateDir::create();
      if (!dir) return tl::unexpected(dir.error().context(what));
      dir_.emplace(std::move(*dir));
      if (auto st = sys::copy_tree(artifacts_, dir_->path()); !st) return tl::unexpected(st.error().context(what));
      log::debug(name + ": artifacts copied" + since());
    }
    intoto::Link link;
    link.name = inspection.name;
    link.command = inspection.run;
    auto materials = intoto::record_artifacts(dir_->path());
    if (!materials) return tl::unexpected(materials.error().context(what + ": materials"));
    link.materials = std::move(*materials);
    log::debug(name + ": " + std::to_string(link.materials.size()) + " materials recorded" + since());
    if (inspection.run.empty()) {
      link.byproducts = cjson::Json::object();  // in_toto_run with no command: the verifier refuses it
    } else {
      log::info(name + ": running " + escape_control(join(inspection.run)));
      auto r = sys::run_bounded(inspection.run, limits_, dir_->path());
      if (!r) return fail(Errc::inspection_failed, what + ": " + r.error().message);
      if (r->tripped != sys::Limit::none)
        return fail(Errc::inspection_failed, what + ": " + std::string(sys::limit_name(r->tripped)) + " limit (" +
                                                 limit_value(r->tripped, limits_) + ") reached");
      log::debug(name + ": ran" + since());
      // Python's subprocess returncode: -N when killed by signal N.
      link.byproducts = cjson::Json{{"return-value", r->signal != 0 ? -r->signal : r->exit_code},
                                    {"stderr", valid_text(r->err)},
                                    {"stdout", valid_text(r->out)}};
    }
    auto products = intoto::record_artifacts(dir_->path());
    if (!products) return tl::unexpected(products.error().context(what + ": products"));
    link.products = std::move(*products);
    log::debug(name + ": " + std::to_string(link.products.size()) + " products recorded" + since());
    return link;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
    return s;
  }
  // The byproducts are JSON strings: output that is not UTF-8 is dropped (no check reads them).
  static std::string valid_text(const std::string& s) {
    try {
      (void)cjson::Json(s).dump();
      return s;
    } catch (const std::exception&) {
      return "";
    }
  }

  std::filesystem::path artifacts_;
  sys::Limits limits_;
  std::optional<sys::PrivateDir> dir_;
};

}  // namespace

intoto::InspectionRunner inspection_runner(const std::filesystem::path& artifacts, const sys::Limits& limits) {
  auto runner = std::make_shared<InspectionRunner>(artifacts, limits);
  return [runner](const intoto::Inspection& i) { return runner->run(i); };
}

Result<intoto::VerifySummary> verify_intoto(const Context& ctx, const InTotoCheck& check, const InTotoOptions& options) {
  auto layout = intoto::parse_layout(check.layout);
  if (!layout) return tl::unexpected(layout.error().context("in-toto: the layout"));
  log::debug("in-toto: layout parsed");
  intoto::VerifyOptions vo;
  vo.now = ctx.now;  // full precision: the reference compares expires with datetime.now()
  vo.parameters = options.parameters;
  vo.layout_threshold = check.layout_threshold;
  vo.run_inspection = inspection_runner(check.artifacts, options.limits);
  auto summary = intoto::verify(*layout, check.layout_keys, check.links, vo);
  log::debug("in-toto: verified");
  vo.run_inspection = nullptr;  // the private directory goes
  log::debug("in-toto: private directory removed");
  return summary;
}

Result<std::map<std::string, crypto::SslibKey>> load_layout_keys(const std::vector<std::filesystem::path>& files,
                                                                const std::vector<std::string>& types) {
  if (!types.empty() && types.size() != files.size())
    return fail(Errc::usage, "give one --key-types entry per --layout-keys file (" + std::to_string(files.size()) +
                                 " files, " + std::to_string(types.size()) + " types), or none to detect them");
  std::map<std::string, crypto::SslibKey> keys;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string what = "layout key " + escape_control(files[i].string());
    auto bytes = read_file_limited(files[i], 1 << 20);
    if (!bytes) return tl::unexpected(bytes.error().context(what));
    auto key = crypto::sslib_load_public(*bytes, types.empty() ? std::string_view{} : std::string_view(types[i]));
    if (!key) return tl::unexpected(key.error().context(what));
    keys.emplace(key->keyid(), std::move(*key));
  }
  return keys;
}

intoto::LinkLoader link_dir_loader(const std::filesystem::path& dir) {
  return [dir](std::string_view relative) -> Result<std::optional<std::string>> {
    const std::string rel(relative);
    const std::string what = "in-toto: link file " + escape_control(rel);
    // "<step>.<k8>.link" or "<step>.<k8>/<substep>.<k8>.link": relative, no empty, "." or ".."
    // component, no NUL (a step name comes from the layout).
    if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string::npos)
      return fail(Errc::unsafe_archive, what + ": not a relative path");
    for (std::size_t at = 0;;) {
      auto slash = rel.find('/', at);
      std::string_view part = std::string_view(rel).substr(at, slash == std::string::npos ? std::string::npos : slash - at);
      if (part.empty() || part == "." || part == "..")
        return fail(Errc::unsafe_archive, what + ": an empty, \".\" or \"..\" path component");
      if (slash == std::string::npos) break;
      at = slash + 1;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
      // No such directory: no such file in it, as the reference finds (LinkNotFoundError).
      if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
      return fail(Errc::io_error, "in-toto: link directory " + escape_control(dir.string()) + ": " + std::strerror(errno));
    }
    int fd = open_beneath(dfd, rel.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY);
    int err = errno;
    ::close(dfd);
    if (fd < 0) {
      if (err == ENOENT || err == ENOTDIR) return std::optional<std::string>{};  // the reference skips a missing file
      if (err == EXDEV) return fail(Errc::unsafe_archive, what + ": a symbolic link leads outside the link directory");
      return fail(Errc::io_error, what + ": " + std::strerror(err));
    }
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(Errc::io_error, what + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::io_error, what + ": not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > intoto::kMaxMetadataBytes)
      return fail(Errc::too_large, what + ": larger than " + std::to_string(intoto::kMaxMetadataBytes >> 20) + " MiB");
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(Errc::io_error, what + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.size() > intoto::kMaxMetadataBytes)
        return fail(Errc::too_large, what + ": larger than " + std::to_string(intoto::kMaxMetadataBytes >> 20) + " MiB");
    }
    return std::optional<std::string>{std::move(out)};
  };
}

void abandon_inspection() noexcept { sys::kill_running(); }

}  // namespace signy::api
