# Tests of the cost model, the pruning and the design-space exploration
# (compiler/cost): estimates against hand-computed values, dominance on toy
# sets, every explored schedule against a direct simulation, the hit rate.
ff_test_support()
ff_add_test(NAME test_cost SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cost.c LIBS ff_testsupport ff_cost ff_run ff_lower ff_sim
            LABELS compiler model TIMEOUT 120)
add_dependencies(test_cost fuseflow) # explore_command_line runs it
