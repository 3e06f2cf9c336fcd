// The answers of grpc.reflection (v1 and v1alpha share the wire format; this
// works on v1's messages), independent of gRPC's transport.
//
// Why not gRPC's own reflection plugin: gRPC 1.51's repeats, on one stream,
// every file it sent before and puts the requested file last; clients built
// on protoreflect 1.10.1 (grpcurl 1.8.5) then fail `describe` and cannot
// decode error details. Here each file_descriptor_response holds the
// requested file first, then only those of its transitive dependencies not
// yet sent on the stream.
#ifndef PDP_SERVER_GRPC_REFLECTION_REFLECTION_SESSION_H_
#define PDP_SERVER_GRPC_REFLECTION_REFLECTION_SESSION_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.pb.h"

namespace pdp {

// The most bytes of a name (file, symbol, type) a request may carry; longer
// is INVALID_ARGUMENT (no name in the schema comes close).
inline constexpr size_t kMaxReflectionNameBytes = 1024;

// What reflection serves: the services named, and the files that define them
// (and the extra files) with their transitive dependencies, nothing else of
// the pool (the stores'
// internal records, for one, are linked into the server but not its API).
// Immutable after construction; safe to share between threads. The pool
// must outlive it.
class ReflectionCatalog {
 public:
  // `services`: full names of the services the server registers; a name the
  // pool does not know is left out of the files (and still listed, as the
  // server does serve it). `extra_files`: files served besides, with their
  // dependencies, such as the types of error details (a client decodes
  // them by asking for their symbols); names the pool lacks are ignored.
  ReflectionCatalog(const google::protobuf::DescriptorPool* pool, std::vector<std::string> services,
                    const std::vector<std::string>& extra_files = {});

  const std::vector<std::string>& services() const { return services_; }
  const google::protobuf::DescriptorPool* pool() const { return pool_; }
  // Whether `file` is one reflection serves.
  bool Serves(const google::protobuf::FileDescriptor* file) const {
    return file != nullptr && files_.contains(file->name());
  }

 private:
  const google::protobuf::DescriptorPool* pool_;
  std::vector<std::string> services_;
  absl::flat_hash_set<std::string> files_;
};

// One reflection stream: remembers which files it has sent. Not thread-safe
// (a stream's requests are answered one at a time); the catalog must outlive
// it. Its memory is bounded by the catalog's file count.
class ReflectionSession {
 public:
  explicit ReflectionSession(const ReflectionCatalog* catalog) : catalog_(catalog) {}

  // The answer to one request. Failures are error_response messages, as the
  // protocol wants, never a broken stream: NOT_FOUND for a file, symbol,
  // type or extension reflection does not serve; INVALID_ARGUMENT for a
  // request that names nothing or a name over kMaxReflectionNameBytes.
  grpc::reflection::v1::ServerReflectionResponse Answer(
      const grpc::reflection::v1::ServerReflectionRequest& request);

 private:
  // The requested file first (even if sent before), then its transitive
  // dependencies not yet sent on this stream.
  void AddFileAndNewDependencies(const google::protobuf::FileDescriptor* file,
                                 grpc::reflection::v1::ServerReflectionResponse* response);

  const ReflectionCatalog* catalog_;
  absl::flat_hash_set<std::string> sent_;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_REFLECTION_REFLECTION_SESSION_H_
