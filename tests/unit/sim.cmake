ff_add_test(NAME test_token SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_token.c LIBS ff_token LABELS unit)
ff_add_test(NAME test_prims SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_prims.c LIBS ff_sim LABELS unit model)
ff_add_test(NAME test_sim SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim.c LIBS ff_sim Threads::Threads LABELS unit model)
ff_add_test(NAME test_graphs SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_graphs.c LIBS ff_sim LABELS model)
