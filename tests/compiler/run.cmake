# The program runner (compiler/run) with a custom kernel callback, and the
# driver's option layer: every usage error is one line and exit 2.
ff_test_support()
ff_add_test(NAME test_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_run.c LIBS ff_testsupport ff_run ff_lower ff_ir ff_sim
            LABELS unit compiler TIMEOUT 120)
add_dependencies(test_run fuseflow) # options_usage_errors_are_one_line runs it
# --tile: tiled runs against untiled runs and the reference
ff_add_test(NAME test_tile SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tile.c LIBS ff_run ff_lower ff_ir ff_sim
            LABELS unit compiler TIMEOUT 120)
