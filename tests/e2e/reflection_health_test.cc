// What grpcurl relies on, checked without grpcurl: server reflection lists
// every service and describes every method's messages, and the health
// service answers SERVING.
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    channel_ = grpc::CreateChannel(server_.address(), grpc::InsecureChannelCredentials());
  }

  // One reflection request/response on a fresh stream.
  ServerReflectionResponse Ask(const ServerReflectionRequest& request) {
    auto stub = ServerReflection::NewStub(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = stub->ServerReflectionInfo(&ctx);
    EXPECT_TRUE(stream->Write(request));
    stream->WritesDone();
    ServerReflectionResponse response;
    EXPECT_TRUE(stream->Read(&response));
    ServerReflectionResponse extra;
    while (stream->Read(&extra)) {
    }
    EXPECT_TRUE(stream->Finish().ok());
    return response;
  }

  ServerProcess server_{{"--world", SourcePath("data/demo-world.yaml")}};
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ReflectionTest, ListsEveryService) {
  ServerReflectionRequest request;
  request.set_list_services("");
  ServerReflectionResponse response = Ask(request);
  std::set<std::string> names;
  for (const auto& s : response.list_services_response().service()) names.insert(s.name());
  EXPECT_TRUE(names.count("pdp.v1.AuthorizationService"));
  EXPECT_TRUE(names.count("pdp.v1.AdminService"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
  EXPECT_TRUE(names.count("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(ReflectionTest, DescribesEveryMethodOfEveryService) {
  for (const char* service :
       {"pdp.v1.AuthorizationService", "pdp.v1.AdminService", "grpc.health.v1.Health"}) {
    SCOPED_TRACE(service);
    ServerReflectionRequest request;
    request.set_file_containing_symbol(service);
    ServerReflectionResponse response = Ask(request);
    ASSERT_TRUE(response.has_file_descriptor_response())
        << response.error_response().error_message();
    // Resolve files and their dependencies by name, as grpcurl does.
    google::protobuf::SimpleDescriptorDatabase db;
    std::set<std::string> have;
    std::vector<std::string> wanted;
    auto add_all = [&](const ServerReflectionResponse& r) {
      for (const auto& bytes : r.file_descriptor_response().file_descriptor_proto()) {
        google::protobuf::FileDescriptorProto f;
        ASSERT_TRUE(f.ParseFromString(bytes));
        if (!have.insert(f.name()).second) continue;
        for (const auto& dep : f.dependency()) wanted.push_back(dep);
        db.Add(f);
      }
    };
    add_all(response);
    while (!wanted.empty()) {
      std::string name = wanted.back();
      wanted.pop_back();
      if (have.count(name)) continue;
      ServerReflectionRequest dep;
      dep.set_file_by_filename(name);
      ServerReflectionResponse r = Ask(dep);
      ASSERT_TRUE(r.has_file_descriptor_response()) << name;
      add_all(r);
    }
    google::protobuf::DescriptorPool pool(&db);
    const auto* desc = pool.FindServiceByName(service);
    ASSERT_NE(desc, nullptr);
    EXPECT_GT(desc->method_count(), 0);
    for (int i = 0; i < desc->method_count(); ++i) {
      EXPECT_NE(desc->method(i)->input_type(), nullptr);
      EXPECT_NE(desc->method(i)->output_type(), nullptr);
    }
  }
}

TEST_F(ReflectionTest, HealthAnswersServing) {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&ctx, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // The server's version, as --version prints it, in a response header.
  auto header = ctx.GetServerInitialMetadata().find("pdp-server-version");
  ASSERT_NE(header, ctx.GetServerInitialMetadata().end());
  std::string printed;
  ASSERT_EQ(RunCommand({BinaryPath("server/billing-pdp-server"), "--version"}, &printed), 0);
  EXPECT_EQ(printed, absl::StrCat("billing-pdp-server ",
                                  std::string(header->second.data(), header->second.size()), "\n"));
}

TEST_F(ReflectionTest, HealthKnowsEachServiceAndWatchStreamsTheStatus) {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(10); };
  for (const char* name : {"pdp.v1.AuthorizationService", "pdp.v1.AdminService"}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(name);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(stub->Check(&ctx, request, &response).ok()) << name;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << name;
  }
  grpc::ClientContext unknown_ctx;
  unknown_ctx.set_deadline(deadline());
  grpc::health::v1::HealthCheckRequest unknown;
  unknown.set_service("no.such.Service");
  grpc::health::v1::HealthCheckResponse ignored;
  EXPECT_EQ(stub->Check(&unknown_ctx, unknown, &ignored).error_code(), grpc::StatusCode::NOT_FOUND);
  // A huge name is not echoed whole.
  grpc::ClientContext huge_ctx;
  huge_ctx.set_deadline(deadline());
  grpc::health::v1::HealthCheckRequest huge;
  huge.set_service(std::string(100000, 'x'));
  grpc::Status refused = stub->Check(&huge_ctx, huge, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(refused.error_message().size(), 1000u);

  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(deadline());
  grpc::health::v1::HealthCheckRequest all;
  auto stream = stub->Watch(&watch_ctx, all);
  grpc::health::v1::HealthCheckResponse first;
  ASSERT_TRUE(stream->Read(&first));
  EXPECT_EQ(first.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(watch_ctx.GetServerInitialMetadata().count("pdp-server-version"), 1u);
  watch_ctx.TryCancel();
}

}  // namespace
}  // namespace pdp::testing
