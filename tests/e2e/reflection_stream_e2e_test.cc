// The server's reflection on one stream, as grpcurl and other
// protoreflect-based clients use it, for v1 and v1alpha alike: each
// file_descriptor_response holds the requested file first, then only the
// dependencies not yet sent on that stream; a failed lookup is an
// error_response and the stream goes on. Also ListPages' server_version.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "base/version.h"
#include "billing_pdp/authorization_client.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

// The names of the files in a response, in order.
template <typename Response>
std::vector<std::string> FileNames(const Response& response) {
  std::vector<std::string> names;
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(file.ParseFromString(bytes));
    names.push_back(file.name());
  }
  return names;
}

// Every file's dependencies appear in `names` (or were sent before, in
// `earlier`): the response with what came before is self-contained.
template <typename Response>
void ExpectClosed(const Response& response, const std::set<std::string>& earlier) {
  std::set<std::string> have(earlier);
  for (const std::string& name : FileNames(response)) have.insert(name);
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    for (const std::string& dep : file.dependency()) {
      EXPECT_TRUE(have.count(dep)) << file.name() << " needs " << dep << ", never sent";
    }
  }
}

template <typename Reflection>
class ReflectionStreamTest : public ::testing::Test {
 protected:
  using Request = typename Reflection::Request;
  using Response = typename Reflection::Response;

  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    channel_ = grpc::CreateChannel(server_.address(), grpc::InsecureChannelCredentials());
    stub_ = Reflection::Service::NewStub(channel_);
    ctx_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    stream_ = stub_->ServerReflectionInfo(&ctx_);
  }

  // One request and its answer on the test's one stream.
  Response Ask(const Request& request) {
    EXPECT_TRUE(stream_->Write(request));
    Response response;
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }
  Response AskSymbol(const std::string& symbol) {
    Request request;
    request.set_file_containing_symbol(symbol);
    return Ask(request);
  }

  ServerProcess server_{{"--world", SourcePath("data/demo-world.yaml")}};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Reflection::Service::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
};

struct V1 {
  using Service = grpc::reflection::v1::ServerReflection;
  using Request = grpc::reflection::v1::ServerReflectionRequest;
  using Response = grpc::reflection::v1::ServerReflectionResponse;
};
struct V1Alpha {
  using Service = grpc::reflection::v1alpha::ServerReflection;
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;
};
using Versions = ::testing::Types<V1, V1Alpha>;
TYPED_TEST_SUITE(ReflectionStreamTest, Versions);

TYPED_TEST(ReflectionStreamTest, RequestedFileFirstAndEachDependencyOnce) {
  // AuthorizationService and AdminService share types.proto, decision.proto
  // and more: the second answer must not send those again.
  auto first = this->AskSymbol("pdp.v1.AuthorizationService");
  ASSERT_TRUE(first.has_file_descriptor_response()) << first.error_response().error_message();
  std::vector<std::string> first_files = FileNames(first);
  ASSERT_FALSE(first_files.empty());
  EXPECT_EQ(first_files.front(), "pdp/v1/authorization.proto");
  EXPECT_EQ(std::set<std::string>(first_files.begin(), first_files.end()).size(),
            first_files.size())
      << "a file sent twice in one response";
  EXPECT_TRUE(std::count(first_files.begin(), first_files.end(), "pdp/v1/types.proto"));
  ExpectClosed(first, {});
  std::set<std::string> sent(first_files.begin(), first_files.end());

  auto second = this->AskSymbol("pdp.v1.AdminService.Watch");
  ASSERT_TRUE(second.has_file_descriptor_response()) << second.error_response().error_message();
  std::vector<std::string> second_files = FileNames(second);
  ASSERT_FALSE(second_files.empty());
  EXPECT_EQ(second_files.front(), "pdp/v1/admin.proto");
  for (size_t i = 1; i < second_files.size(); ++i) {
    EXPECT_FALSE(sent.count(second_files[i])) << second_files[i] << " was sent again";
  }
  ExpectClosed(second, sent);

  // Asked for by name, a file already sent comes again (it was asked for),
  // alone: its dependencies went with it.
  typename TestFixture::Request by_name;
  by_name.set_file_by_filename("pdp/v1/types.proto");
  EXPECT_EQ(FileNames(this->Ask(by_name)), std::vector<std::string>{"pdp/v1/types.proto"});
}

TYPED_TEST(ReflectionStreamTest, UnknownNamesAreNotFoundAndTheStreamGoesOn) {
  auto unknown = this->AskSymbol("pdp.v1.NoSuchService");
  ASSERT_TRUE(unknown.has_error_response());
  EXPECT_EQ(unknown.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_response().error_message().find("pdp.v1.NoSuchService"),
            std::string::npos);
  EXPECT_EQ(unknown.original_request().file_containing_symbol(), "pdp.v1.NoSuchService");

  // Linked into the server but not part of its API: not served.
  typename TestFixture::Request internal;
  internal.set_file_by_filename("pdp/store/v1/records.proto");
  auto hidden = this->Ask(internal);
  ASSERT_TRUE(hidden.has_error_response());
  EXPECT_EQ(hidden.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  typename TestFixture::Request extension;
  extension.mutable_file_containing_extension()->set_containing_type("pdp.v1.AuthorizeRequest");
  extension.mutable_file_containing_extension()->set_extension_number(1000);
  auto no_extension = this->Ask(extension);
  ASSERT_TRUE(no_extension.has_error_response());
  EXPECT_EQ(no_extension.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  typename TestFixture::Request numbers;
  numbers.set_all_extension_numbers_of_type("pdp.v1.AuthorizeRequest");
  auto none = this->Ask(numbers);
  ASSERT_TRUE(none.has_all_extension_numbers_response()) << none.error_response().error_message();
  EXPECT_EQ(none.all_extension_numbers_response().base_type_name(), "pdp.v1.AuthorizeRequest");
  EXPECT_EQ(none.all_extension_numbers_response().extension_number_size(), 0);
  numbers.set_all_extension_numbers_of_type("pdp.v1.NoSuchMessage");
  auto no_type = this->Ask(numbers);
  ASSERT_TRUE(no_type.has_error_response());
  EXPECT_EQ(no_type.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  typename TestFixture::Request empty;
  auto nothing = this->Ask(empty);
  ASSERT_TRUE(nothing.has_error_response());
  EXPECT_EQ(nothing.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto too_long = this->AskSymbol(std::string(5000, 'x'));
  ASSERT_TRUE(too_long.has_error_response());
  EXPECT_EQ(too_long.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The same stream still answers.
  auto found = this->AskSymbol("grpc.health.v1.Health");
  ASSERT_TRUE(found.has_file_descriptor_response()) << found.error_response().error_message();
  EXPECT_EQ(FileNames(found).front(), "grpc/health/v1/health.proto");

  // The error details' types, which no service imports, for clients to
  // decode BadRequest and ErrorInfo.
  auto details = this->AskSymbol("google.rpc.BadRequest");
  ASSERT_TRUE(details.has_file_descriptor_response()) << details.error_response().error_message();
  EXPECT_EQ(FileNames(details).front(), "google/rpc/error_details.proto");

  typename TestFixture::Request list;
  list.set_list_services("");
  auto services = this->Ask(list);
  std::set<std::string> names;
  for (const auto& s : services.list_services_response().service()) names.insert(s.name());
  EXPECT_EQ(names,
            (std::set<std::string>{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                                   "grpc.reflection.v1alpha.ServerReflection",
                                   "pdp.v1.AdminService", "pdp.v1.AuthorizationService"}));
  this->stream_->WritesDone();
  EXPECT_TRUE(this->stream_->Finish().ok());
}

TEST(ReflectionLimitsTest, AStreamEndsAfterItsRequestCap) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->ServerReflectionInfo(&ctx);
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1::ServerReflectionResponse response;
  int answered = 0;
  while (stream->Write(request) && stream->Read(&response)) ++answered;
  grpc::Status status = stream->Finish();
  EXPECT_EQ(answered, 1000);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
}

// Each open stream holds a server thread: past --max-watches they are
// refused, and a place frees when a stream ends.
TEST(ReflectionLimitsTest, StreamsPastTheCapAreRefused) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml"), "--max-watches", "1"});
  ASSERT_TRUE(server.ok()) << server.log();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(20); };
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1::ServerReflectionResponse response;

  grpc::ClientContext first_ctx;
  first_ctx.set_deadline(deadline());
  auto first = stub->ServerReflectionInfo(&first_ctx);
  ASSERT_TRUE(first->Write(request));
  ASSERT_TRUE(first->Read(&response));  // the first stream holds its place

  // v1alpha shares the cap.
  auto alpha_stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext second_ctx;
  second_ctx.set_deadline(deadline());
  auto second = alpha_stub->ServerReflectionInfo(&second_ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest alpha_request;
  alpha_request.set_list_services("");
  second->Write(alpha_request);
  grpc::reflection::v1alpha::ServerReflectionResponse alpha_response;
  EXPECT_FALSE(second->Read(&alpha_response));
  grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("--max-watches"), std::string::npos)
      << refused.error_message();

  first->WritesDone();
  ASSERT_TRUE(first->Finish().ok());
  // The place is free again (the server releases it as the call ends,
  // which can trail the client's Finish by a moment: a few tries).
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto again = stub->ServerReflectionInfo(&ctx);
    again->Write(request);
    admitted = again->Read(&response);
    again->WritesDone();
    again->Finish();
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(admitted);
}

// An open stream does not hold up the server's shutdown: SIGTERM ends it
// and the server exits cleanly within its shutdown grace period.
TEST(ReflectionLimitsTest, AnOpenStreamEndsWithTheServer) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->ServerReflectionInfo(&ctx);
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  const auto start = std::chrono::steady_clock::now();
  const int status = server.Stop(SIGTERM);  // SIGKILL after 5 s
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(WIFEXITED(status)) << "killed, not exited: " << server.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server.log();
  EXPECT_LT(took, std::chrono::seconds(4));
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_FALSE(stream->Finish().ok());
}

TEST(ServerVersionTest, ListPagesNamesTheServerBuild) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(20000);
  auto pages = AuthorizationClient(options).ListPages();
  ASSERT_TRUE(pages.ok()) << pages.status();
  // The project version, then git's when built from a checkout. (Not
  // compared with this test's own VersionString(): the git part is taken
  // when CMake configures, and the two binaries may be linked either side
  // of a re-configure.)
  EXPECT_TRUE(absl::StartsWith(pages->server_version(), ProjectVersion()))
      << pages->server_version();
  std::string printed;
  ASSERT_EQ(RunCommand({BinaryPath("server/billing-pdp-server"), "--version"}, &printed), 0);
  EXPECT_EQ(printed, "billing-pdp-server " + pages->server_version() + "\n");
}

}  // namespace
}  // namespace pdp::testing
