ff_test_support()
ff_add_test(NAME test_apps SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_apps.c LIBS ff_testsupport ff_lower ff_sim LABELS app
            TIMEOUT 900)
# The fully fused GPT block (about 100 s): the same program, its own CTest
# entry so that it runs beside the others.
add_test(NAME test_apps_gpt_fused COMMAND sh -c "rm -f \"$0\" && exec \"$@\"" "${FF_JUNIT_DIR}/test_apps_gpt_fused.xml"
         $<TARGET_FILE:test_apps> --gpt-fused WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
set_tests_properties(test_apps_gpt_fused PROPERTIES LABELS app TIMEOUT 900
  ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=xml;CMOCKA_XML_FILE=${FF_JUNIT_DIR}/test_apps_gpt_fused.xml")
