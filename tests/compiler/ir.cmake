# Tests of the model-language front end and tensor IR (compiler/ir): parsing,
# every error message, printing round trips, reduction placement, and the
# reference interpreter against hand-written loops.
ff_add_test(NAME test_ir SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ir.c LIBS ff_ir LABELS unit compiler)
ff_add_test(NAME test_ir_interp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ir_interp.c LIBS ff_ir
            LABELS unit compiler)
# The sparse evaluator (ff_ir_interpret) against the dense interpreter, bit for
# bit, over every model, format variant, seed, density and small size; the
# support corner cases by hand; inputs beyond the dense interpreter's limits.
ff_add_test(NAME test_ir_sparse SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ir_sparse.c LIBS ff_ir
            LABELS unit compiler TIMEOUT 300)
