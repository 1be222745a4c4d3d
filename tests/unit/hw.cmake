# the area and energy tables and models (models/hw, docs/synthesis.md)
ff_add_test(NAME test_hw SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hw.c LIBS ff_hw ff_tensor LABELS unit)
