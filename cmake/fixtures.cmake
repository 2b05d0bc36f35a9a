# Test fixtures: the committed ones under tests/fixtures/ and the AstroMAE reference model, which is
# too large to commit and is generated once per build folder from tests/fixtures/astromae/model/
# with a Python 3 that has torch and numpy (Debian: python3-torch python3-numpy).
#
#   COSMICAI_FIXTURES_DIR      tests/fixtures (cache)
#   COSMICAI_REFERENCE_MODEL   the generated TorchScript file (in the build folder)
#   COSMICAI_REFERENCE_MODEL_MISSING  empty when the build generates the model; otherwise why it
#                              cannot, and the tests that need the model skip with that reason
#   cosmicai_reference_model   the target that generates it; targets that load it depend on it
#   cosmicai_fixture_definitions(TARGET): the three as compile definitions

set(COSMICAI_FIXTURES_DIR "${CMAKE_SOURCE_DIR}/tests/fixtures" CACHE PATH "Folder with the test fixtures")
set(COSMICAI_REFERENCE_MODEL "${CMAKE_BINARY_DIR}/fixtures/astromae_seed0.ts.pt")
set(COSMICAI_PYTHON "" CACHE FILEPATH
    "Python 3 with torch and numpy that generates the reference model (empty: look for one)")

# The first candidate that imports torch and numpy: COSMICAI_PYTHON if set, else Debian's
# /usr/bin/python3 (a python3 earlier on PATH, e.g. pyenv's, often lacks torch), else python3 on PATH.
set(_candidates "")
if(COSMICAI_PYTHON)
  list(APPEND _candidates "${COSMICAI_PYTHON}")
else()
  if(EXISTS /usr/bin/python3)
    list(APPEND _candidates /usr/bin/python3)
  endif()
  find_program(_cosmicai_path_python3 NAMES python3 NO_CACHE)
  if(_cosmicai_path_python3)
    list(APPEND _candidates "${_cosmicai_path_python3}")
  endif()
endif()
list(REMOVE_DUPLICATES _candidates)
set(_python "")
foreach(_py ${_candidates})
  execute_process(COMMAND "${_py}" -c "import torch, numpy" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET
                  TIMEOUT 120)
  if(_rc EQUAL 0)
    set(_python "${_py}")
    break()
  endif()
endforeach()

set(_model_dir "${COSMICAI_FIXTURES_DIR}/astromae/model")
if(_python)
  set(COSMICAI_REFERENCE_MODEL_MISSING "")
  message(STATUS "Reference model: generated with ${_python} into ${COSMICAI_REFERENCE_MODEL}")
  add_custom_command(
    OUTPUT "${COSMICAI_REFERENCE_MODEL}"
    COMMAND ${CMAKE_COMMAND} -E env OMP_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1 "${_python}" "${_model_dir}/make_reference.py"
            --fixtures "${COSMICAI_FIXTURES_DIR}/astromae" --out "${COSMICAI_REFERENCE_MODEL}"
    DEPENDS "${_model_dir}/make_reference.py" "${_model_dir}/astromae.py"
            "${COSMICAI_FIXTURES_DIR}/astromae/reference_io.json"
    COMMENT "Generating the seed-0 AstroMAE reference model (PyTorch, ~5 s)"
    VERBATIM)
  add_custom_target(cosmicai_reference_model DEPENDS "${COSMICAI_REFERENCE_MODEL}")
else()
  if(COSMICAI_PYTHON)
    set(COSMICAI_REFERENCE_MODEL_MISSING "COSMICAI_PYTHON=${COSMICAI_PYTHON} cannot import torch and numpy")
  elseif(_candidates)
    list(JOIN _candidates ", " _tried)
    set(COSMICAI_REFERENCE_MODEL_MISSING "no Python 3 with torch and numpy (tried ${_tried})")
  else()
    set(COSMICAI_REFERENCE_MODEL_MISSING "no python3 found")
  endif()
  string(APPEND COSMICAI_REFERENCE_MODEL_MISSING
         " at configure time, so the AstroMAE reference model was not generated; install python3-torch and "
         "python3-numpy (scripts/setup.sh does) and re-run cmake")
  message(WARNING "${COSMICAI_REFERENCE_MODEL_MISSING}. The tests that need the model will be skipped.")
  add_custom_target(cosmicai_reference_model)
endif()

function(cosmicai_fixture_definitions target)
  target_compile_definitions(${target} PRIVATE
    COSMICAI_FIXTURES_DIR="${COSMICAI_FIXTURES_DIR}"
    COSMICAI_REFERENCE_MODEL="${COSMICAI_REFERENCE_MODEL}"
    COSMICAI_REFERENCE_MODEL_MISSING="${COSMICAI_REFERENCE_MODEL_MISSING}")
endfunction()
