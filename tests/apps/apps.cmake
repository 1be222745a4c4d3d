ff_test_support()
ff_add_test(NAME test_apps SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_apps.c LIBS ff_testsupport ff_lower ff_sim LABELS app
            TIMEOUT 900)
