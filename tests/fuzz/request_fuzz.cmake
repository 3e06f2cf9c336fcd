# The request fuzz target (request_fuzzer.h), shared by the normal build,
# which runs it with its own driver as the CTest test request_fuzz
# (tests/CMakeLists.txt), and the libFuzzer build (tests/fuzz/CMakeLists.txt,
# scripts/fuzz request). Included from either; defines its targets once.
if(NOT TARGET pdp_request_fuzz)
  # Everything but the entry points: the codec, the seeds, the reference.
  add_library(pdp_request_fuzz STATIC
    ${CMAKE_CURRENT_LIST_DIR}/request_codec.cc
    ${CMAKE_CURRENT_LIST_DIR}/request_fuzz_seeds.cc
    ${CMAKE_SOURCE_DIR}/tests/differential/reference_evaluator.cc)
  target_include_directories(pdp_request_fuzz PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(pdp_request_fuzz PUBLIC
    pdp_wire pdp_world nlohmann_json::nlohmann_json absl::strings)

  # The target (LLVMFuzzerTestOneInput) with the plain driver's main().
  add_executable(request_fuzz_driver
    ${CMAKE_CURRENT_LIST_DIR}/request_fuzz_driver.cc ${CMAKE_CURRENT_LIST_DIR}/request_fuzzer.cc)
  target_link_libraries(request_fuzz_driver PRIVATE pdp_request_fuzz)
  target_compile_definitions(request_fuzz_driver PRIVATE PDP_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
