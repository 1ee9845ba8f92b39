// signy intoto verify: a drop-in for in-toto-verify (in-toto 1.3.1 in_toto_verify.py: the same
// flags, short ones included), run in the current directory; inspections run in a private copy of
// it with bounded resources.
#include <iostream>

#include "cli/cli.hpp"
#include "signy/api/intoto.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {

void register_intoto(Registry& r) {
  auto* intoto = r.app.add_subcommand("intoto", "in-toto supply-chain verification");
  intoto->require_subcommand(1);
  struct Opts {
    std::string layout;
    std::vector<std::string> keys, types;
    std::string link_dir = ".";
    long timeout = 0, memory = 0, cpu = 0, file_size = 0, open_files = 0, processes = 0, output = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = intoto->add_subcommand(
      "verify",
      "Verify the current directory's supply chain as in-toto-verify does: the layout signed by every key given, not "
      "expired, each step's links (threshold, signatures, artifact rules), then the inspections, run in a private copy "
      "of the current directory with bounded resources (exit 1 if refused)");
  cmd->footer(
      "Key types are detected when --key-types is not given: a PEM public key is rsa, a securesystemslib JSON .pub "
      "(as in-toto-keygen writes it) its keytype.\nEach inspection runs in a private copy of the current directory "
      "(no shell, a scrubbed environment, its own session); a limit it reaches fails the verification, naming it.\n"
      "Example: signy intoto verify -l root.layout -k alice.pub -d links");
  cmd->add_option("-l,--layout", o->layout, "The layout (a signed in-toto metablock)")->required()->type_name("FILE");
  cmd->add_option("-k,--layout-keys", o->keys, "Public keys that must all have signed the layout")
      ->required()
      ->expected(1, -1)
      ->type_name("PUB...");
  cmd->add_option("-t,--key-types", o->types, "The type of each --layout-keys file, in order (default: detected)")
      ->expected(1, -1)
      ->check(CLI::IsMember({"rsa", "ed25519", "ecdsa"}))
      ->type_name("TYPE...");
  cmd->add_option("-d,--link-dir", o->link_dir, "Directory of the link files")->type_name("DIR")->option_text("DIR (default .)");
  cmd->add_option("--inspection-timeout", o->timeout, "Wall-clock limit of each inspection")
      ->check(CLI::Range(1L, 86'400L))
      ->option_text("SECONDS (default 10, in-toto-verify's)");
  cmd->add_option("--inspection-memory", o->memory, "Memory limit of each inspection (address space per process, and resident total)")
      ->check(CLI::Range(1L, 1L << 20))
      ->option_text("MIB (default 1024)");
  cmd->add_option("--inspection-cpu", o->cpu, "CPU time limit of each inspection process")
      ->check(CLI::Range(1L, 86'400L))
      ->option_text("SECONDS (default 30)");
  cmd->add_option("--inspection-file-size", o->file_size, "Size limit of each file an inspection writes")
      ->check(CLI::Range(1L, 1L << 20))
      ->option_text("MIB (default 1024)");
  cmd->add_option("--inspection-open-files", o->open_files, "Open-file limit of each inspection process")
      ->check(CLI::Range(8L, 1L << 16))
      ->option_text("N (default 256)");
  cmd->add_option("--inspection-processes", o->processes, "Process limit of each inspection (the whole session)")
      ->check(CLI::Range(1L, 1L << 16))
      ->option_text("N (default 64)");
  cmd->add_option("--inspection-output", o->output, "Output captured from each inspection, per stream")
      ->check(CLI::Range(1L, 1L << 20))
      ->option_text("KIB (default 1024)");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      api::InTotoCheck check;
      check.layout = SIGNY_TRY(read_file_limited(o->layout, intoto::kMaxMetadataBytes));
      check.layout_keys = SIGNY_TRY(api::load_layout_keys({o->keys.begin(), o->keys.end()}, o->types));
      check.links = api::link_dir_loader(o->link_dir);
      check.artifacts = ".";
      api::InTotoOptions opts;
      // in-toto 1.3.1 kills an inspection after settings.LINK_CMD_EXEC_TIMEOUT = 10 s (runlib.py):
      // the drop-in keeps that default, so a chain fails here exactly when it fails there.
      opts.limits.wall = std::chrono::seconds(o->timeout ? o->timeout : 10);
      if (o->memory) opts.limits.memory = static_cast<std::uint64_t>(o->memory) << 20;
      if (o->cpu) opts.limits.cpu = std::chrono::seconds(o->cpu);
      if (o->file_size) opts.limits.file_size = static_cast<std::uint64_t>(o->file_size) << 20;
      if (o->open_files) opts.limits.open_files = static_cast<std::uint64_t>(o->open_files);
      if (o->processes) opts.limits.processes = static_cast<std::uint64_t>(o->processes);
      if (o->output) opts.limits.output = static_cast<std::size_t>(o->output) << 10;
      api::Context ctx;
      ctx.now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
      auto summary = SIGNY_TRY(api::verify_intoto(ctx, check, opts));
      for (const auto& w : summary.warnings) log::warn(w);
      if (r.global.output == OutputFormat::json) {
        print_json({{"verified", true}, {"layout", o->layout}, {"links", summary.links_verified},
                    {"inspections", summary.inspections_run}, {"warnings", summary.warnings}});
      } else {
        std::cerr << "Verified " << escape_control(o->layout) << ": " << summary.links_verified << " link"
                  << (summary.links_verified == 1 ? "" : "s") << ", " << summary.inspections_run << " inspection"
                  << (summary.inspections_run == 1 ? "" : "s") << "\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
