# ff_add_test(NAME name SOURCES a.c ... LIBS lib ... LABELS unit ...)
#
# One cmocka executable = one CTest test. cmocka writes its JUnit XML per test
# group to ${CMAKE_BINARY_DIR}/junit/<name>.xml; it refuses to overwrite an
# existing file, so the command removes the old one first.
set(FF_JUNIT_DIR "${CMAKE_BINARY_DIR}/junit")
file(MAKE_DIRECTORY "${FF_JUNIT_DIR}")

# Test support shared by several test programs (tests/support). Built only
# when the compiler is, since it runs programs end to end.
function(ff_test_support)
  if(NOT TARGET ff_testsupport)
    add_library(ff_testsupport STATIC ${CMAKE_SOURCE_DIR}/tests/support/testrun.c
                                      ${CMAKE_SOURCE_DIR}/tests/support/appcases.c
                                      ${CMAKE_SOURCE_DIR}/tests/support/excase.c
                                      ${CMAKE_SOURCE_DIR}/tests/support/blockcases.c
                                      ${CMAKE_SOURCE_DIR}/tests/support/shell.c)
    target_include_directories(ff_testsupport PUBLIC ${CMAKE_SOURCE_DIR}/tests/support)
    target_compile_definitions(ff_testsupport PRIVATE FF_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                                      FF_SHARED_DATA="${FUSEFLOW_SHARED_DATA}")
    target_link_libraries(ff_testsupport PUBLIC ff_run ff_lower ff_ir ff_sim PkgConfig::CMOCKA)
  endif()
endfunction()

function(ff_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_include_directories(${T_NAME} PRIVATE "${CMAKE_SOURCE_DIR}/tests/support")
  target_compile_definitions(${T_NAME} PRIVATE
    FF_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    FF_SHARED_DATA="${FUSEFLOW_SHARED_DATA}"
    FF_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(xml "${FF_JUNIT_DIR}/${T_NAME}.xml")
  add_test(NAME ${T_NAME}
           COMMAND sh -c "rm -f \"$0\" && exec \"$@\"" "${xml}" $<TARGET_FILE:${T_NAME}> ${T_ARGS}
           WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABELS}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=xml;CMOCKA_XML_FILE=${xml}")
endfunction()
