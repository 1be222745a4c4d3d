# The SystemC testbench (cosim/systemc, docs/cosim.md "SystemC testbench"):
# the Verilated --sc array and the C model side by side behind a TLM-2.0
# target. One process, one elaboration, every case in it (SystemC's rule);
# the program's entry is ff_sc_main. The tensor blobs of the model's
# mailbox are plain C and tested without SystemC.
if(FUSEFLOW_RTL AND FUSEFLOW_SYSTEMC)
  ff_add_test(NAME test_systemc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_systemc.c
              LIBS ff_sc ff_run ff_lower ff_ir LABELS "cosim;systemc" TIMEOUT 300)
  set_property(TEST test_systemc APPEND PROPERTY ENVIRONMENT SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1)
  ff_add_test(NAME test_sc_blob SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sc_blob.c
              LIBS ff_sc_blob ff_tensor LABELS "unit;systemc" TIMEOUT 60)
endif()
