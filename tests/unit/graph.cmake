# The dataflow graph: the primitive table, building, validation, JSON, DOT.
ff_add_test(NAME test_graph SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_graph.c LIBS ff_graph LABELS unit)
