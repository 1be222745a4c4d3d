ff_test_support()
ff_add_test(NAME test_lower SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lower.c LIBS ff_testsupport ff_lower ff_sim LABELS compiler model)
