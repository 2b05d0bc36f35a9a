# cosmicai_library(NAME DIR DEPS...): a static library from every .cpp under DIR (an
# interface library while DIR has none yet), with src/ on the include path.
function(cosmicai_library name dir)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
  # Subdirectories that are libraries of their own (COSMICAI_SEPARATE_LIBRARY_DIRS) are left out.
  foreach(sep ${COSMICAI_SEPARATE_LIBRARY_DIRS})
    if(NOT sep STREQUAL dir)
      list(FILTER srcs EXCLUDE REGEX "^${CMAKE_SOURCE_DIR}/${sep}/")
    endif()
  endforeach()
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(${name} PUBLIC ${ARGN})
    target_compile_options(${name} PRIVATE -Wall -Wextra)
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()

# cosmicai_unit_test(SUBSYSTEM DEPS...): one gtest binary from tests/unit/SUBSYSTEM/*.cpp.
function(cosmicai_unit_test sub)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/${sub}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(unit_${sub} ${srcs})
  target_link_libraries(unit_${sub} PRIVATE ${ARGN} GTest::gtest GTest::gtest_main)
  target_include_directories(unit_${sub} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(unit_${sub} PRIVATE
    COSMICAI_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    COSMICAI_BINARY="$<TARGET_FILE:cosmicai>")
  cosmicai_fixture_definitions(unit_${sub})
  add_dependencies(unit_${sub} cosmicai)
  # COSMICAI_TEST_PROPERTIES_<sub>: extra CTest properties (fixtures, environment, skip markers).
  gtest_discover_tests(unit_${sub} TEST_PREFIX "${sub}." DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300 ${COSMICAI_TEST_PROPERTIES_${sub}})
endfunction()

# The model in two parts, so that only commands that run a model pay for LibTorch
# (loading libtorch costs about a second per process):
#  - cosmicai_model: every src/model/*.cpp but the loader, a shared library with LibTorch;
#  - cosmicai_model_api: src/model/loader.cpp, which defines ModelRunner::open and
#    dlopen()s cosmicai_model on first use.
function(cosmicai_model_libraries)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/model/*.cpp)
  list(REMOVE_ITEM srcs ${CMAKE_SOURCE_DIR}/src/model/loader.cpp)
  add_library(cosmicai_model SHARED ${srcs})
  target_include_directories(cosmicai_model PUBLIC ${CMAKE_SOURCE_DIR}/src)
  # cosmicai_data: the synthetic-sample generator that int8 calibration runs on.
  target_link_libraries(cosmicai_model PUBLIC cosmicai_common ${TORCH_LIBRARIES} PRIVATE cosmicai_data)
  target_compile_options(cosmicai_model PRIVATE -Wall -Wextra)
  # The hand-written kernels' exp/erf loops vectorise only without trapping math (values are
  # unchanged); as a function attribute it would block inlining of std::max & co.
  set_source_files_properties(${CMAKE_SOURCE_DIR}/src/model/kernels.cpp PROPERTIES COMPILE_OPTIONS -fno-trapping-math)

  add_library(cosmicai_model_api STATIC ${CMAKE_SOURCE_DIR}/src/model/loader.cpp)
  target_include_directories(cosmicai_model_api PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(cosmicai_model_api PUBLIC cosmicai_common ${CMAKE_DL_LIBS})
  target_compile_definitions(cosmicai_model_api PRIVATE
    COSMICAI_MODEL_LIBRARY_BUILD_PATH="$<TARGET_FILE:cosmicai_model>")
  # Whoever can open a model needs the library built.
  add_dependencies(cosmicai_model_api cosmicai_model)
endfunction()

# The MPI back end (`cosmicai infer --mpi`), in two parts so that no other command links or
# loads MPI:
#  - cosmicai_mpi: src/mpi/*.cpp (the driver, launcher detection and the loader), static, MPI-free;
#  - cosmicai_mpi_backend: src/mpi/backend/*.cpp, the only code that includes <mpi.h>, a shared
#    library (libcosmicai_mpi_backend.so) that the loader dlopen()s when --mpi is given.
# COSMICAI_WITH_MPI ON (the default) builds the back end when find_package(MPI) finds one.
function(cosmicai_mpi_libraries)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/mpi/*.cpp)
  add_library(cosmicai_mpi STATIC ${srcs})
  target_include_directories(cosmicai_mpi PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(cosmicai_mpi PUBLIC cosmicai_cosmic ${CMAKE_DL_LIBS})
  target_compile_options(cosmicai_mpi PRIVATE -Wall -Wextra)
  set(have OFF)
  if(COSMICAI_WITH_MPI)
    set(MPI_CXX_SKIP_MPICXX ON CACHE BOOL "MPI C API only (no deprecated C++ bindings)")
    find_package(MPI COMPONENTS CXX)
    if(MPI_CXX_FOUND)
      set(have ON)
    else()
      message(STATUS "cosmicai: no MPI found; `cosmicai infer --mpi` is disabled")
    endif()
  endif()
  set(COSMICAI_HAVE_MPI ${have} PARENT_SCOPE)
  if(NOT have)
    return()
  endif()
  file(GLOB backend CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/mpi/backend/*.cpp)
  add_library(cosmicai_mpi_backend SHARED ${backend})
  target_include_directories(cosmicai_mpi_backend PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(cosmicai_mpi_backend PRIVATE cosmicai_common MPI::MPI_CXX)
  target_compile_options(cosmicai_mpi_backend PRIVATE -Wall -Wextra)
  target_compile_definitions(cosmicai_mpi PRIVATE COSMICAI_HAVE_MPI
    COSMICAI_MPI_LIBRARY_BUILD_PATH="$<TARGET_FILE:cosmicai_mpi_backend>")
  add_dependencies(cosmicai_mpi cosmicai_mpi_backend)
  message(STATUS "cosmicai: MPI back end with ${MPIEXEC_EXECUTABLE} (MPI ${MPI_CXX_VERSION})")
endfunction()
