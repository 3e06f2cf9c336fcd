#include "server/grpc/reflection/reflection_session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "google/protobuf/descriptor.pb.h"

namespace pdp {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

namespace {

// gRPC status codes as error_response carries them (an int32).
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;

// Echoed requests are capped: the client sent them, but a huge one echoed
// back could exceed what the client accepts.
constexpr size_t kMaxEchoedRequestBytes = 4096;

}  // namespace

ReflectionCatalog::ReflectionCatalog(const google::protobuf::DescriptorPool* pool,
                                     std::vector<std::string> services,
                                     const std::vector<std::string>& extra_files)
    : pool_(pool), services_(std::move(services)) {
  std::vector<const FileDescriptor*> pending;
  for (const std::string& name : services_) {
    if (const auto* service = pool_->FindServiceByName(name)) pending.push_back(service->file());
  }
  for (const std::string& name : extra_files) {
    if (const auto* file = pool_->FindFileByName(name)) pending.push_back(file);
  }
  while (!pending.empty()) {
    const FileDescriptor* file = pending.back();
    pending.pop_back();
    if (!files_.insert(file->name()).second) continue;
    for (int i = 0; i < file->dependency_count(); ++i) pending.push_back(file->dependency(i));
  }
}

void ReflectionSession::AddFileAndNewDependencies(const FileDescriptor* file,
                                                  ServerReflectionResponse* response) {
  auto* files = response->mutable_file_descriptor_response();
  auto add = [&](const FileDescriptor* f) {
    google::protobuf::FileDescriptorProto proto;
    f->CopyTo(&proto);
    proto.SerializeToString(files->add_file_descriptor_proto());
    sent_.insert(f->name());
  };
  add(file);
  // Depth-first from the requested file. A file already sent went out with
  // all of its dependencies, so the walk stops there.
  std::vector<const FileDescriptor*> pending;
  for (int i = file->dependency_count() - 1; i >= 0; --i) pending.push_back(file->dependency(i));
  while (!pending.empty()) {
    const FileDescriptor* dep = pending.back();
    pending.pop_back();
    if (sent_.contains(dep->name())) continue;
    add(dep);
    for (int i = dep->dependency_count() - 1; i >= 0; --i) pending.push_back(dep->dependency(i));
  }
}

ServerReflectionResponse ReflectionSession::Answer(const ServerReflectionRequest& request) {
  ServerReflectionResponse response;
  response.set_valid_host(BoundedText(request.host(), kMaxReflectionNameBytes));
  if (request.ByteSizeLong() <= kMaxEchoedRequestBytes) {
    *response.mutable_original_request() = request;
  }
  auto fail = [&](int code, std::string message) {
    response.clear_message_response();
    auto* error = response.mutable_error_response();
    error->set_error_code(code);
    error->set_error_message(std::move(message));
    return response;
  };
  auto too_long = [](absl::string_view value) { return value.size() > kMaxReflectionNameBytes; };
  const google::protobuf::DescriptorPool* pool = catalog_->pool();
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kListServices: {
      auto* list = response.mutable_list_services_response();
      for (const std::string& name : catalog_->services()) list->add_service()->set_name(name);
      return response;
    }
    case ServerReflectionRequest::kFileByFilename: {
      const std::string& name = request.file_by_filename();
      if (too_long(name)) {
        return fail(kInvalidArgument, absl::StrCat("file_by_filename: longer than ",
                                                   kMaxReflectionNameBytes, " bytes"));
      }
      const FileDescriptor* file = pool->FindFileByName(name);
      if (!catalog_->Serves(file)) {
        return fail(kNotFound, absl::StrCat("no file ", QuoteInput(name)));
      }
      AddFileAndNewDependencies(file, &response);
      return response;
    }
    case ServerReflectionRequest::kFileContainingSymbol: {
      const std::string& symbol = request.file_containing_symbol();
      if (too_long(symbol)) {
        return fail(kInvalidArgument, absl::StrCat("file_containing_symbol: longer than ",
                                                   kMaxReflectionNameBytes, " bytes"));
      }
      const FileDescriptor* file = pool->FindFileContainingSymbol(symbol);
      if (!catalog_->Serves(file)) {
        return fail(kNotFound, absl::StrCat("no symbol ", QuoteInput(symbol)));
      }
      AddFileAndNewDependencies(file, &response);
      return response;
    }
    case ServerReflectionRequest::kFileContainingExtension: {
      const auto& ext = request.file_containing_extension();
      if (too_long(ext.containing_type())) {
        return fail(kInvalidArgument,
                    absl::StrCat("file_containing_extension.containing_type: longer than ",
                                 kMaxReflectionNameBytes, " bytes"));
      }
      const Descriptor* type = pool->FindMessageTypeByName(ext.containing_type());
      if (type == nullptr || !catalog_->Serves(type->file())) {
        return fail(kNotFound, absl::StrCat("no message type ", QuoteInput(ext.containing_type())));
      }
      const FieldDescriptor* field = pool->FindExtensionByNumber(type, ext.extension_number());
      if (field == nullptr || !catalog_->Serves(field->file())) {
        return fail(kNotFound, absl::StrCat("no extension ", ext.extension_number(), " of ",
                                            type->full_name()));
      }
      AddFileAndNewDependencies(field->file(), &response);
      return response;
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const std::string& name = request.all_extension_numbers_of_type();
      if (too_long(name)) {
        return fail(kInvalidArgument, absl::StrCat("all_extension_numbers_of_type: longer than ",
                                                   kMaxReflectionNameBytes, " bytes"));
      }
      const Descriptor* type = pool->FindMessageTypeByName(name);
      if (type == nullptr || !catalog_->Serves(type->file())) {
        return fail(kNotFound, absl::StrCat("no message type ", QuoteInput(name)));
      }
      std::vector<const FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      std::vector<int> numbers;
      for (const FieldDescriptor* f : extensions) {
        if (catalog_->Serves(f->file())) numbers.push_back(f->number());
      }
      std::sort(numbers.begin(), numbers.end());
      auto* out = response.mutable_all_extension_numbers_response();
      out->set_base_type_name(type->full_name());
      for (int n : numbers) out->add_extension_number(n);
      return response;
    }
    case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      break;
  }
  return fail(kInvalidArgument,
              "the request names nothing to look up (list_services, file_by_filename, "
              "file_containing_symbol, file_containing_extension or "
              "all_extension_numbers_of_type)");
}

}  // namespace pdp
