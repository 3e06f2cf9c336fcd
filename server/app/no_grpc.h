// Force-included (-include) into every source of the application layer
// (server/app/CMakeLists.txt): the layer has no gRPC, and this makes that a
// compile error rather than a convention. Any gRPC C++ header (they all open
// namespace grpc), any generated *.grpc.pb.h (the same), any use of a grpc::
// name, and any gRPC C core header (they all include port_platform.h, whose
// include guard is the second name) fails with "attempt to use poisoned".
// Comments and strings may still say "grpc"; only identifiers are refused.
#ifndef PDP_SERVER_APP_NO_GRPC_H_
#define PDP_SERVER_APP_NO_GRPC_H_

#pragma GCC poison grpc GRPC_IMPL_CODEGEN_PORT_PLATFORM_H

#endif  // PDP_SERVER_APP_NO_GRPC_H_
