// A controller reconciling desired state against a running server, round
// after round (issue 11, "reconcile without churn"). Each account's desired
// state is the account, a customer managed policy, a user and the policy
// attached to the user: four changes, sent through ApplyChanges in requests
// of --batch accounts. The first round creates everything; every later
// round re-applies the same state, which must make no revision.
//
// Prints one line per round: seconds, requests, changes, changes reported
// unchanged, and the revisions the round made (from the responses and the
// pdp-revision trailer of a read after it). Exit status 1 when a round after
// the first made a revision or a change was not reported unchanged.
//
//   reconcile_bench --server 127.0.0.1:50051 [--accounts 10000] [--rounds 10] [--batch 1000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"

namespace {

constexpr char kDocument[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ce:Get*","budgets:View*"],"Resource":"*"}]})";

std::string AccountId(int i) { return std::to_string(300000000000LL + i); }

// The desired state of account i.
void AddDesired(int i, std::vector<pdp::v1::Change>& out) {
  const std::string id = AccountId(i);
  const std::string policy = absl::StrCat("arn:aws:iam::", id, ":policy/CostReader");
  const std::string user = absl::StrCat("arn:aws:iam::", id, ":user/finance");
  pdp::v1::Change account;
  account.mutable_create_account()->set_allow_existing(true);
  account.mutable_create_account()->mutable_account()->set_id(id);
  account.mutable_create_account()->mutable_account()->set_name(absl::StrCat("team ", i));
  out.push_back(std::move(account));
  pdp::v1::Change create_policy;
  create_policy.mutable_create_policy()->set_arn(policy);
  create_policy.mutable_create_policy()->set_document(kDocument);
  create_policy.mutable_create_policy()->set_allow_existing(true);
  out.push_back(std::move(create_policy));
  pdp::v1::Change put_user;
  put_user.mutable_put_user()->mutable_user()->set_arn(user);
  put_user.mutable_put_user()->set_replace(true);
  put_user.mutable_put_user()->set_allow_missing(true);
  put_user.mutable_put_user()->mutable_user()->add_attached_policies(policy);
  out.push_back(std::move(put_user));
  pdp::v1::Change attach;  // as a controller that manages attachments apart would
  attach.mutable_attach_policy()->set_entity_arn(user);
  attach.mutable_attach_policy()->set_policy_arn(policy);
  out.push_back(std::move(attach));
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "reconcile_bench: %s\nusage: reconcile_bench --server HOST:PORT [--accounts N] "
               "[--rounds R] [--batch ACCOUNTS_PER_REQUEST]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server;
  int accounts = 10000, rounds = 10, batch = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage("every flag takes a value");
    std::string value = argv[++i];
    int* n = flag == "--accounts" ? &accounts
             : flag == "--rounds" ? &rounds
             : flag == "--batch"  ? &batch
                                  : nullptr;
    if (flag == "--server") {
      server = value;
    } else if (n == nullptr || !absl::SimpleAtoi(value, n) || *n <= 0) {
      return Usage(absl::StrCat("bad flag ", flag, " ", value).c_str());
    }
  }
  if (server.empty()) return Usage("--server is required");

  pdp::ClientOptions options;
  options.target = server;
  options.timeout = std::chrono::milliseconds(120000);
  pdp::AdminClient admin(options);
  auto revision_now = [&]() -> int64_t {
    int64_t revision = -1;
    pdp::v1::ListRequest list;
    list.set_page_size(1);
    auto r = admin.Call(&pdp::AdminClient::Stub::ListAccounts, list, &revision);
    if (!r.ok()) {
      std::fprintf(stderr, "reconcile_bench: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    return revision;
  };

  std::printf("%d accounts x 4 changes, %d accounts per ApplyChanges request, server %s\n",
              accounts, batch, server.c_str());
  std::printf("%5s %9s %8s %8s %9s %13s\n", "round", "seconds", "requests", "changes", "unchanged",
              "new revisions");
  bool ok = true;
  for (int round = 1; round <= rounds; ++round) {
    const int64_t before = revision_now();
    int requests = 0, changes = 0, unchanged = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int first = 0; first < accounts; first += batch) {
      std::vector<pdp::v1::Change> desired;
      desired.reserve(4 * batch);
      for (int i = first; i < std::min(accounts, first + batch); ++i) AddDesired(i, desired);
      auto r = admin.ApplyChanges(desired);
      if (!r.ok()) {
        std::fprintf(stderr, "reconcile_bench: round %d: %s\n", round,
                     r.status().ToString().c_str());
        return 1;
      }
      ++requests;
      changes += r->results_size();
      for (const auto& result : r->results()) unchanged += result.unchanged() ? 1 : 0;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t made = revision_now() - before;
    std::printf("%5d %9.3f %8d %8d %9d %13lld\n", round, seconds, requests, changes, unchanged,
                static_cast<long long>(made));
    std::fflush(stdout);
    if (round > 1 && (made != 0 || unchanged != changes)) ok = false;
  }
  if (!ok) std::printf("FAILED: a round after the first changed something\n");
  return ok ? 0 : 1;
}
