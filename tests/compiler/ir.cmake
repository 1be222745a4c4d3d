# Tests of the model-language front end and tensor IR (compiler/ir): parsing,
# every error message, printing round trips, reduction placement, and the
# reference interpreter against hand-written loops.
ff_add_test(NAME test_ir SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ir.c LIBS ff_ir LABELS unit compiler)
ff_add_test(NAME test_ir_interp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ir_interp.c LIBS ff_ir
            LABELS unit compiler)
