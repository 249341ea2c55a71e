# Finds ONNX Runtime: a system install first (its CMake package), then the
# copy scripts/setup.sh puts in third_party/onnxruntime (ONNXRUNTIME_ROOT).
# Defines the imported target onnxruntime::onnxruntime.

find_package(onnxruntime CONFIG QUIET)
if(TARGET onnxruntime::onnxruntime)
  message(STATUS "ONNX Runtime: system package")
  return()
endif()

set(ONNXRUNTIME_ROOT "${PROJECT_SOURCE_DIR}/third_party/onnxruntime"
    CACHE PATH "Folder with include/ and lib/ of ONNX Runtime")
find_path(ONNXRUNTIME_INCLUDE_DIR onnxruntime_cxx_api.h
          PATHS "${ONNXRUNTIME_ROOT}/include" NO_DEFAULT_PATH)
find_library(ONNXRUNTIME_LIBRARY onnxruntime
             PATHS "${ONNXRUNTIME_ROOT}/lib" NO_DEFAULT_PATH)
if(NOT ONNXRUNTIME_INCLUDE_DIR OR NOT ONNXRUNTIME_LIBRARY)
  message(FATAL_ERROR
    "ONNX Runtime not found in ${ONNXRUNTIME_ROOT}; run scripts/setup.sh")
endif()
add_library(onnxruntime::onnxruntime SHARED IMPORTED)
set_target_properties(onnxruntime::onnxruntime PROPERTIES
  IMPORTED_LOCATION "${ONNXRUNTIME_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ONNXRUNTIME_INCLUDE_DIR}")
message(STATUS "ONNX Runtime: ${ONNXRUNTIME_LIBRARY}")
