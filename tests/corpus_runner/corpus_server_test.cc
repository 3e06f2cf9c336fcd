// Replays the decision corpus through a real billing-pdp-server on
// 127.0.0.1 via the client library. Authorize, Explain, BatchAuthorize and
// ListAccessiblePages must each give the expected decision.
#include <filesystem>

#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gtest/gtest.h"
#include "tests/corpus_runner/corpus.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

void ExpectMatches(const CorpusCase& c, const pdp::v1::Decision& d, const char* via) {
  EXPECT_EQ(pdp::v1::Effect_Name(d.effect()), pdp::v1::Effect_Name(c.expect_effect)) << via;
  EXPECT_EQ(pdp::v1::Reason_Name(d.reason()), pdp::v1::Reason_Name(c.expect_reason)) << via;
}

TEST(CorpusServerTest, EveryRpcGivesEveryExpectedDecision) {
  std::string scratch = ::testing::TempDir() + "/corpus-server";
  std::filesystem::create_directories(scratch);
  auto corpus = LoadCorpus(SourcePath("tests/corpus"), scratch);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  size_t total = 0;
  for (const CorpusFile& file : *corpus) {
    SCOPED_TRACE(file.path);
    ServerProcess server({"--world", file.world_path});
    ASSERT_TRUE(server.ok()) << server.log();
    ClientOptions options;
    options.target = server.address();
    options.timeout = std::chrono::milliseconds(10000);
    auto channel = MakeChannel(options);
    auto stub = pdp::v1::AuthorizationService::NewStub(channel);

    pdp::v1::BatchAuthorizeRequest batch;
    std::vector<const CorpusCase*> batched;
    for (const CorpusCase& c : file.cases) {
      SCOPED_TRACE(c.name);
      ++total;
      if (!c.request_error.ok()) {
        EXPECT_EQ(c.expect_error, "INVALID_ARGUMENT");
        continue;
      }
      *batch.add_requests() = c.request;
      batched.push_back(&c);

      grpc::ClientContext ctx;
      pdp::v1::AuthorizeResponse response;
      grpc::Status s = stub->Authorize(&ctx, c.request, &response);
      grpc::ClientContext ectx;
      pdp::v1::ExplainResponse explained;
      grpc::Status es = stub->Explain(&ectx, c.request, &explained);
      if (!c.expect_error.empty()) {
        EXPECT_EQ(absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())),
                  c.expect_error);
        EXPECT_EQ(es.error_code(), s.error_code());
        EXPECT_FALSE(ServerErrorFields(FromGrpcStatus(s)).empty())
            << "errors name the field: " << s.error_message();
        continue;
      }
      ASSERT_TRUE(s.ok()) << s.error_message();
      ExpectMatches(c, response.decision(), "Authorize");
      ASSERT_TRUE(es.ok()) << es.error_message();
      ExpectMatches(c, explained.decision(), "Explain");
      if (!c.expect_statement.empty()) {
        EXPECT_TRUE(
            HasDecidingStatement(explained.explanation(), c.expect_effect, c.expect_statement))
            << "no statement " << c.expect_statement << " applied with effect "
            << pdp::v1::Effect_Name(c.expect_effect)
            << " in: " << explained.explanation().DebugString();
      }

      if (c.request.has_page()) {
        grpc::ClientContext lctx;
        pdp::v1::ListAccessiblePagesRequest lreq;
        lreq.set_principal(c.request.principal());
        lreq.set_account_id(c.request.account_id());
        lreq.set_include_denied(true);
        *lreq.mutable_context() = c.request.context();
        pdp::v1::ListAccessiblePagesResponse pages;
        ASSERT_TRUE(stub->ListAccessiblePages(&lctx, lreq, &pages).ok());
        bool found = false;
        for (const auto& p : pages.pages()) {
          if (p.page_id() != c.request.page().page_id()) continue;
          found = true;
          ExpectMatches(c, c.request.page().access() == pdp::v1::MODIFY ? p.modify() : p.view(),
                        "ListAccessiblePages");
        }
        EXPECT_TRUE(found);
      }
    }
    grpc::ClientContext bctx;
    pdp::v1::BatchAuthorizeResponse results;
    ASSERT_TRUE(stub->BatchAuthorize(&bctx, batch, &results).ok());
    ASSERT_EQ(results.results_size(), static_cast<int>(batched.size()));
    for (size_t i = 0; i < batched.size(); ++i) {
      const CorpusCase& c = *batched[i];
      SCOPED_TRACE(c.name);
      const auto& r = results.results(static_cast<int>(i));
      if (!c.expect_error.empty()) {
        ASSERT_TRUE(r.has_error());
        EXPECT_EQ(absl::StatusCodeToString(static_cast<absl::StatusCode>(r.error().code())),
                  c.expect_error);
      } else {
        ASSERT_TRUE(r.has_decision());
        ExpectMatches(c, r.decision(), "BatchAuthorize");
      }
    }
  }
  EXPECT_GE(total, 60u);
}

}  // namespace
}  // namespace pdp::testing
