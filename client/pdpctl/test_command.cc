// `pdpctl test FILE...`: decision-test files (docs/data-formats.md
// "Decision corpus", the format of the project's own tests/corpus) run
// against a server (Authorize; Explain for the trace and for an expected
// deciding statement) or offline against the engine linked in (--offline,
// --world FILE). Every file is parsed, and offline every world loaded,
// before the first case runs: a bad file is exit 2 with nothing run.
// Exit: 0 every case passed, 1 a case failed, 2 bad command line or file,
// 3 the server unreachable (the run stops), 4 a call refused (an error the
// case did not expect, other than INVALID_ARGUMENT).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "billing_pdp/authorization_client.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/offline_worlds.h"
#include "client/pdpctl/test_report.h"
#include "server/wire/wire_decide.h"
#include "world/decision_tests.h"

namespace pdpctl {
namespace {

struct TestFlags {
  std::vector<std::string> files;
  std::string world, junit, page_catalog, aws_managed_policies;
  bool offline = false, verbose = false;
};

// What asking one case gave.
struct Answer {
  absl::Status status;  // the call's error; OK with a decision
  pdp::v1::Decision decision;
  std::optional<pdp::v1::Explanation> explanation;
  std::string explain_error;  // why there is no explanation, when asked for
};

class Asker {
 public:
  virtual ~Asker() = default;
  // The decision and, when `explain` (or when it costs nothing), the trace.
  virtual Answer Ask(size_t file, const pdp::v1::AuthorizeRequest& request, bool explain) = 0;
};

// The engine in this process, one snapshot per file.
class OfflineAsker : public Asker {
 public:
  explicit OfflineAsker(std::vector<pdp::SnapshotPtr> snapshots)
      : snapshots_(std::move(snapshots)) {}

  Answer Ask(size_t file, const pdp::v1::AuthorizeRequest& request, bool) override {
    Answer a;
    pdp::v1::Explanation ex;
    // As the server: aws:CurrentTime / aws:EpochTime default to now when
    // the case does not set them (a case that reads time should).
    absl::StatusOr<pdp::v1::Decision> d =
        pdp::Decide(*snapshots_[file], request, &ex, pdp::DecideOptions{absl::Now()});
    if (!d.ok()) {
      a.status = d.status();
      return a;
    }
    a.decision = *d;
    a.explanation = std::move(ex);
    return a;
  }

 private:
  std::vector<pdp::SnapshotPtr> snapshots_;
};

pdp::Query ToQuery(const pdp::v1::AuthorizeRequest& r) {
  pdp::RequestContextValues context;
  for (const auto& [key, values] : r.context().keys()) {
    context[key].assign(values.values().begin(), values.values().end());
  }
  if (r.has_page()) {
    return pdp::PageQuery{.principal = r.principal(),
                          .page_id = r.page().page_id(),
                          .access = r.page().access(),
                          .account_id = r.account_id(),
                          .context = std::move(context)};
  }
  // No target at all goes as an empty action: the server's INVALID_ARGUMENT.
  return pdp::ActionQuery{.principal = r.principal(),
                          .action = r.action().action(),
                          .resource = r.action().resource(),
                          .account_id = r.account_id(),
                          .context = std::move(context)};
}

// The server's current state; a file's own world is not applied.
class ServerAsker : public Asker {
 public:
  explicit ServerAsker(const pdp::ClientOptions& options) : client_(options) {}

  Answer Ask(size_t, const pdp::v1::AuthorizeRequest& request, bool explain) override {
    Answer a;
    const pdp::Query query = ToQuery(request);
    absl::StatusOr<pdp::Decision> d = client_.Authorize(query);
    if (!d.ok()) {
      a.status = d.status();
      return a;
    }
    a.decision.set_effect(d->allowed ? pdp::v1::ALLOW : pdp::v1::DENY);
    a.decision.set_reason(d->reason);
    a.decision.set_revision(d->revision);
    if (explain) {
      absl::StatusOr<pdp::v1::ExplainResponse> e = client_.Explain(query);
      if (e.ok()) {
        a.explanation = e->explanation();
      } else {
        a.explain_error =
            absl::StrCat("Explain failed: ", absl::StatusCodeToString(e.status().code()), ": ",
                         e.status().message());
      }
    }
    return a;
  }

 private:
  pdp::AuthorizationClient client_;
};

std::string DecisionText(const pdp::v1::Decision& d) {
  return absl::StrCat(pdp::v1::Effect_Name(d.effect()), " (", pdp::v1::Reason_Name(d.reason()),
                      ")");
}

std::string ExpectedText(const pdp::DecisionTestCase& c) {
  if (!c.expect_error.empty()) return absl::StrCat("error ", c.expect_error);
  std::string out = absl::StrCat(pdp::v1::Effect_Name(c.expect_effect), " (",
                                 pdp::v1::Reason_Name(c.expect_reason), ")");
  if (!c.expect_statement.empty()) absl::StrAppend(&out, " by statement ", c.expect_statement);
  return out;
}

std::string ErrorText(const absl::Status& s) {
  return absl::StrCat("error ", absl::StatusCodeToString(s.code()), ": ", s.message());
}

// The statements that applied with the decision's effect, for a failed
// "statement" expectation.
std::string AppliedStatements(const pdp::v1::Explanation& ex, pdp::v1::Effect effect) {
  std::vector<std::string> names;
  for (const auto& a : ex.actions()) {
    for (const auto& s : a.statements()) {
      if (s.matched() && s.effect() == effect) names.push_back(pdp::StatementName(s));
    }
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

enum class Verdict { kPassed, kFailed, kError, kUnreachable };

struct Judged {
  Verdict verdict = Verdict::kPassed;
  std::string got;
  std::string problem;  // beyond expected vs got (a statement not found)
  absl::Status error;   // kError, kUnreachable
};

Judged Judge(const pdp::DecisionTestCase& c, const Answer& a) {
  Judged j;
  if (!a.status.ok()) {
    const std::string code = absl::StatusCodeToString(a.status.code());
    j.got = ErrorText(a.status);
    j.error = a.status;
    if (a.status.code() == absl::StatusCode::kUnavailable ||
        a.status.code() == absl::StatusCode::kDeadlineExceeded) {
      j.verdict = Verdict::kUnreachable;
    } else if (c.expect_error == code) {
      j.verdict = Verdict::kPassed;
    } else if (a.status.code() == absl::StatusCode::kInvalidArgument || !c.expect_error.empty()) {
      j.verdict = Verdict::kFailed;
    } else {
      j.verdict = Verdict::kError;  // refused: the caller's token, the server's limits...
    }
    return j;
  }
  j.got = DecisionText(a.decision);
  if (!c.expect_error.empty() || a.decision.effect() != c.expect_effect ||
      a.decision.reason() != c.expect_reason) {
    j.verdict = Verdict::kFailed;
    return j;
  }
  if (!c.expect_statement.empty()) {
    if (!a.explanation.has_value()) {
      j.verdict = Verdict::kError;
      j.error = absl::UnknownError(a.explain_error);
      j.problem = a.explain_error;
    } else if (!pdp::HasDecidingStatement(*a.explanation, c.expect_effect, c.expect_statement)) {
      j.verdict = Verdict::kFailed;
      j.problem = absl::StrCat("statement ", c.expect_statement, " did not apply with effect ",
                               pdp::v1::Effect_Name(c.expect_effect),
                               "; applied: ", AppliedStatements(*a.explanation, c.expect_effect));
    }
  }
  return j;
}

// Parses every file and, offline, loads every world: nothing runs when any
// of it is bad.
absl::Status Prepare(const TestFlags& f, std::vector<pdp::DecisionTestFile>& files,
                     std::vector<pdp::SnapshotPtr>& snapshots) {
  for (const std::string& path : f.files) {
    absl::StatusOr<pdp::DecisionTestFile> file = pdp::ReadDecisionTestFile(path);
    if (!file.ok()) return file.status();
    files.push_back(*std::move(file));
  }
  if (!f.offline) return absl::OkStatus();
  const std::string data = DefaultDataDir();
  absl::StatusOr<OfflineWorlds> worlds =
      OfflineWorlds::Create(f.page_catalog.empty() ? data + "/page-catalog.json" : f.page_catalog,
                            f.aws_managed_policies.empty() ? data + "/aws-managed-policies.json"
                                                           : f.aws_managed_policies);
  if (!worlds.ok()) return worlds.status();
  for (const pdp::DecisionTestFile& file : files) {
    absl::StatusOr<pdp::SnapshotPtr> s;
    if (!f.world.empty()) {
      s = worlds->FromFile(f.world);
    } else if (!file.world_file.empty()) {
      s = worlds->FromFile(file.world_file);
    } else if (!file.world_json.empty()) {
      s = worlds->FromText(file.world_json, file.path);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(file.path,
                       ": world: the file has no world (\"world\" or \"world_file\"); give --world "
                       "FILE to test offline, or test against a server"));
    }
    if (!s.ok()) return s.status();
    snapshots.push_back(*std::move(s));
  }
  return absl::OkStatus();
}

int RunTests(Context& ctx, TestFlags f) {
  if (ctx.json) {
    throw UsageError("test reports in text; --junit FILE writes a machine-readable report");
  }
  if (!f.world.empty()) f.offline = true;
  std::vector<pdp::DecisionTestFile> files;
  std::vector<pdp::SnapshotPtr> snapshots;
  if (absl::Status s = Prepare(f, files, snapshots); !s.ok()) return Fail(ctx, s);

  std::unique_ptr<Asker> asker;
  if (f.offline) {
    asker = std::make_unique<OfflineAsker>(std::move(snapshots));
  } else {
    asker = std::make_unique<ServerAsker>(ctx.options);
  }

  std::vector<FileReport> reports;
  size_t passed = 0, failed = 0, errors = 0;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const pdp::DecisionTestFile& file = files[fi];
    if (!f.offline && file.has_world()) {
      std::fprintf(stderr,
                   "pdpctl: note: %s names a world; against a server it is not applied (the "
                   "server's state is tested; --offline uses it)\n",
                   file.path.c_str());
    }
    FileReport report{file.path, {}};
    for (const pdp::DecisionTestCase& c : file.cases) {
      const auto start = std::chrono::steady_clock::now();
      Answer answer;
      if (!c.request_error.ok()) {
        answer.status = c.request_error;  // never sent: no request can say it
      } else {
        answer = asker->Ask(fi, c.request, !c.expect_statement.empty());
      }
      Judged j = Judge(c, answer);
      if (j.verdict == Verdict::kUnreachable) return Fail(ctx, j.error);
      if (j.verdict == Verdict::kFailed && !answer.explanation.has_value() && answer.status.ok()) {
        // The trace of a failure, asked for only now (server mode).
        answer = asker->Ask(fi, c.request, true);
      }
      CaseReport cr;
      cr.name = c.name;
      cr.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const std::string where = absl::StrCat(file.path, " ", c.json_path);
      if (j.verdict == Verdict::kPassed) {
        ++passed;
        if (f.verbose) std::printf("ok    %s: %s\n", where.c_str(), c.name.c_str());
        report.cases.push_back(std::move(cr));
        continue;
      }
      const bool is_failure = j.verdict == Verdict::kFailed;
      ++(is_failure ? failed : errors);
      cr.outcome = is_failure ? CaseReport::kFailed : CaseReport::kError;
      cr.message = absl::StrCat("expected ", ExpectedText(c), ", got ", j.got);
      if (!j.problem.empty()) absl::StrAppend(&cr.message, "; ", j.problem);
      std::string details =
          absl::StrCat("expected: ", ExpectedText(c), "\ngot:      ", j.got, "\n");
      if (!j.problem.empty()) absl::StrAppend(&details, "problem:  ", j.problem, "\n");
      if (answer.explanation.has_value()) {
        absl::StrAppend(&details, "trace:\n", ExplanationText(*answer.explanation, "  "));
      } else if (!answer.explain_error.empty() && answer.explain_error != j.problem) {
        absl::StrAppend(&details, "trace:    (", answer.explain_error, ")\n");
      }
      cr.details = details;
      std::printf("%s %s: %s\n", is_failure ? "FAIL " : "ERROR", where.c_str(), c.name.c_str());
      std::string indented;
      for (absl::string_view line : absl::StrSplit(details, '\n', absl::SkipEmpty())) {
        absl::StrAppend(&indented, "      ", line, "\n");
      }
      std::fputs(indented.c_str(), stdout);
      report.cases.push_back(std::move(cr));
    }
    reports.push_back(std::move(report));
  }
  size_t total = passed + failed + errors;
  std::printf("%zu passed, %zu failed, %zu errors (%zu cases in %zu file%s, %s)\n", passed, failed,
              errors, total, files.size(), files.size() == 1 ? "" : "s",
              f.offline ? "offline" : "against the server");
  if (!f.junit.empty()) {
    std::ofstream out(f.junit, std::ios::binary | std::ios::trunc);
    out << JUnitXml(reports);
    out.close();
    if (!out) {
      return Fail(ctx, absl::InvalidArgumentError(absl::StrCat("--junit: cannot write ", f.junit)));
    }
  }
  if (errors > 0) return kRefused;
  return failed > 0 ? kDeny : kOk;
}

}  // namespace

void AddTestCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<TestFlags>();
  CLI::App* cmd = app.add_subcommand(
      "test",
      "run decision-test files (README \"Testing your policies\") against the server, or "
      "offline against a world file");
  cmd->add_option("FILE", f->files, "decision-test files (JSON)")->required();
  cmd->add_flag("--offline", f->offline,
                "decide in pdpctl, no server: each file against its own world (\"world\" or "
                "\"world_file\")");
  cmd->add_option("--world", f->world,
                  "decide in pdpctl against this world file (JSON or YAML) for every file, "
                  "instead of the files' own worlds; implies --offline");
  cmd->add_option("--junit", f->junit, "also write the results as JUnit XML to FILE (for CI)");
  cmd->add_flag("--verbose,-v", f->verbose, "list the cases that pass too");
  cmd->add_option("--page-catalog", f->page_catalog,
                  "offline: the page catalogue (default: the installed data directory's)");
  cmd->add_option("--aws-managed-policies", f->aws_managed_policies,
                  "offline: AWS managed policy documents (default: the installed data "
                  "directory's)");
  cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return RunTests(ctx, *f); }; });
}

}  // namespace pdpctl
