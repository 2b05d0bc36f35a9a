# cosmicai_library(NAME DIR DEPS...): a static library from every .cpp under DIR (an
# interface library while DIR has none yet), with src/ on the include path.
function(cosmicai_library name dir)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
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
  target_compile_definitions(unit_${sub} PRIVATE
    COSMICAI_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    COSMICAI_SHARED_DIR="${COSMICAI_SHARED_DIR}"
    COSMICAI_BINARY="$<TARGET_FILE:cosmicai>")
  add_dependencies(unit_${sub} cosmicai)
  gtest_discover_tests(unit_${sub} TEST_PREFIX "${sub}." DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300)
endfunction()
