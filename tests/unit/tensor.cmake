# Unit tests of the value arithmetic (models/fixed) and the tensor model
# (models/tensor): formats, fibertrees, files, random tensors, einsum oracle.
ff_add_test(NAME test_fixed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fixed.c
            LIBS ff_fixed m LABELS unit)
ff_add_test(NAME test_tensor SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tensor.c
            LIBS ff_tensor m LABELS unit)
ff_add_test(NAME test_mtx SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mtx.c
            LIBS ff_tensor LABELS unit)
ff_add_test(NAME test_einsum SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_einsum.c
            LIBS ff_tensor LABELS unit)
