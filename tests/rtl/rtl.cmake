# RTL equivalence tests: every hardware primitive, C cycle model against the
# Verilated tile (docs/rtl.md). Built only with the RTL (FUSEFLOW_RTL).
if(FUSEFLOW_RTL)
  ff_add_test(NAME test_rtl_prims SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_prims.c
              LIBS ff_sim ff_rtl_default LABELS rtl TIMEOUT 900)
endif()
# Whole graphs (tests/graphs, examples/*.ff) on the `kernels` array against
# the C model: outputs and total cycles (docs/rtl.md "Running a graph").
if(FUSEFLOW_RTL)
  ff_add_test(NAME test_rtl_graphs SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_graphs.c
              LIBS ff_rtl_run ff_rtl_kernels ff_lower ff_ir ff_sim LABELS "rtl;cosim" TIMEOUT 900)
  ff_add_test(NAME test_rtl_bitstream SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_bitstream.c
              LIBS ff_backend ff_sim LABELS "rtl;unit" TIMEOUT 120)
endif()
