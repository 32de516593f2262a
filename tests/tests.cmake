# Test registration, included from the top-level CMakeLists.txt.
# C tests: every tests/c/test_*.c is one executable linked against libtide.
# Lua tests: every tests/lua/*_spec.lua is one ctest test run by busted.

file(GLOB TIDE_C_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/c/test_*.c)
foreach(src ${TIDE_C_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/c/check.h)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/core/include ${CMAKE_SOURCE_DIR}/core ${CMAKE_SOURCE_DIR}/tests/c)
  target_link_libraries(${name} PRIVATE tide m)
  add_test(NAME c_${name} COMMAND ${name})
  set_tests_properties(c_${name} PROPERTIES LABELS "c" ENVIRONMENT "TIDE_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures")
endforeach()

# In the sanitizer build the specs run too: plain luajit with the sanitizer runtimes preloaded
# loads the instrumented libtide (leak checking off: LuaJIT frees its heap its own way).
set(TIDE_SPEC_ENV "")
if(TIDE_SANITIZE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE ASAN_RT OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE UBSAN_RT OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(TIDE_SPEC_ENV "LD_PRELOAD=${ASAN_RT} ${UBSAN_RT};ASAN_OPTIONS=detect_leaks=0;UBSAN_OPTIONS=halt_on_error=1")
endif()

if(TIDE_LUA_TESTS)
  find_program(BUSTED_EXE busted REQUIRED)
  set(TIDE_LUA_PATH "${CMAKE_SOURCE_DIR}/lua/?.lua\;${CMAKE_SOURCE_DIR}/lua/?/init.lua\;${TIDE_BINDINGS_DIR}/?.lua\;${CMAKE_SOURCE_DIR}/tests/lua/?.lua\;\;")
  file(GLOB TIDE_LUA_SPECS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/lua/*_spec.lua)
  foreach(spec ${TIDE_LUA_SPECS})
    get_filename_component(name ${spec} NAME_WE)
    add_test(NAME lua_${name}
             COMMAND ${LUAJIT_EXE} ${BUSTED_EXE} --output=utfTerminal ${spec}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    # a spec whose every test is pending (its data set is absent) is reported as skipped
    set_tests_properties(lua_${name} PROPERTIES SKIP_REGULAR_EXPRESSION "(^|\n)0 successes / 0 failures / 0 errors / [1-9][0-9]* pending")
    set_tests_properties(lua_${name} PROPERTIES LABELS "lua" ENVIRONMENT
      "${TIDE_SPEC_ENV};LUA_PATH=${TIDE_LUA_PATH};TIDE_BUILD_DIR=${CMAKE_BINARY_DIR};TIDE_SOURCE_DIR=${CMAKE_SOURCE_DIR};TIDE_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures;TIDE_EXE=$<TARGET_FILE:tide_cmd>;TIDE_STRUCT_SIZES=$<TARGET_FILE:struct_sizes>")
  endforeach()
endif()
