# RTL equivalence tests: every hardware primitive, C cycle model against the
# Verilated tile (docs/rtl.md). Built only with the RTL (FUSEFLOW_RTL).
if(FUSEFLOW_RTL)
  ff_add_test(NAME test_rtl_prims SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_prims.c
              LIBS ff_sim ff_backend ff_rtl_default LABELS rtl TIMEOUT 900)
endif()
# Whole graphs (tests/graphs, examples/*.ff) on the `kernels` array against
# the C model: outputs and total cycles (docs/rtl.md "Running a graph").
if(FUSEFLOW_RTL)
  ff_add_test(NAME test_rtl_graphs SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_graphs.c
              LIBS ff_cosim ff_lower ff_ir ff_sim LABELS "rtl;cosim" TIMEOUT 900)
  # The co-simulation library catches a perturbed array (cosim/ff_cosim.h).
  ff_test_support()
  ff_add_test(NAME test_cosim
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cosim.c ${CMAKE_CURRENT_LIST_DIR}/cosim_group.c
              LIBS ff_testsupport ff_cosim ff_lower ff_ir LABELS "rtl;cosim" TIMEOUT 120)
  # Blocked kernels and the blocked GPT block on `kernels`' block store (2x2).
  ff_add_test(NAME test_cosim_blocks
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cosim_blocks.c ${CMAKE_CURRENT_LIST_DIR}/cosim_group.c
              LIBS ff_testsupport ff_run_cosim ff_cosim LABELS "rtl;cosim" TIMEOUT 900)
  # The applications on the `apps` array, unfused and fused (docs/cosim.md).
  ff_add_test(NAME test_cosim_apps
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cosim_apps.c ${CMAKE_CURRENT_LIST_DIR}/cosim_group.c
              LIBS ff_testsupport ff_run_cosim ff_cosim_apps LABELS "rtl;cosim;app" TIMEOUT 900)
  # A deliberately broken RTL build is caught, naming the broken kind's tile.
  if(TARGET ff_cosim_broken)
    if(FF_RTL_FAULT MATCHES "^FF_FAULT_LATENCY_KIND=([0-9]+)$")
      set(fault_defs FF_FAULT_KIND=${CMAKE_MATCH_1} FF_FAULT_TIMING=1)
    elseif(FF_RTL_FAULT MATCHES "^FF_FAULT_ALU_OP=[0-9]+$")
      set(fault_defs FF_FAULT_KIND=FF_PRIM_ALU FF_FAULT_TIMING=0)
    else()
      message(FATAL_ERROR "FF_RTL_FAULT=${FF_RTL_FAULT}: expected FF_FAULT_LATENCY_KIND=K or FF_FAULT_ALU_OP=N")
    endif()
    ff_add_test(NAME test_cosim_broken SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cosim_broken.c
                LIBS ff_testsupport ff_cosim_broken ff_lower ff_ir LABELS "rtl;cosim" TIMEOUT 120)
    target_compile_definitions(test_cosim_broken PRIVATE ${fault_defs})
  endif()
  ff_add_test(NAME test_rtl_bitstream SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtl_bitstream.c
              LIBS ff_backend ff_lower ff_ir ff_sim LABELS "rtl;unit" TIMEOUT 120)
endif()
# `fuseflow cosim` end to end on small sizes (docs/cosim.md): every kernel's
# outputs and cycles, C model against RTL; and a run that trips the RTL's
# cycle limit must fail with the runner's report and a JUnit failure.
if(FUSEFLOW_RTL)
  foreach(m spmm gcn softmax)
    add_test(NAME cosim_cli_${m}
             COMMAND fuseflow cosim ${CMAKE_SOURCE_DIR}/examples/${m}.ff --random 1 --dim N=6
                     --junit ${FF_JUNIT_DIR}/cosim_cli_${m}.xml)
    set_tests_properties(cosim_cli_${m} PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  endforeach()
  # --par on the array: forks and serializes, outputs and cycles as the C model
  foreach(m spmv sddmm attention)
    add_test(NAME cosim_cli_par_${m}
             COMMAND fuseflow cosim ${CMAKE_SOURCE_DIR}/examples/${m}.ff --random 3 --dim N=6 --par i:2 --channels)
    set_tests_properties(cosim_cli_par_${m} PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  endforeach()
  # --block on the array's block store: handles, outputs and cycles as the C model
  add_test(NAME cosim_cli_block_attention
           COMMAND fuseflow cosim ${CMAKE_SOURCE_DIR}/examples/block_attention.ff --random 1 --dim N=8 --dim D=4
                   --block 2 --channels)
  set_tests_properties(cosim_cli_block_attention PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  add_test(NAME cosim_cli_block_par_attention
           COMMAND fuseflow cosim ${CMAKE_SOURCE_DIR}/examples/block_attention.ff --random 2 --dim N=12 --dim D=4
                   --block 2 --par i:2 --channels)
  set_tests_properties(cosim_cli_block_par_attention PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  add_test(NAME cosim_cli_fused_softmax
           COMMAND fuseflow cosim ${CMAKE_SOURCE_DIR}/examples/softmax.ff --random 2 --dim N=5 --fuse all)
  set_tests_properties(cosim_cli_fused_softmax PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  add_test(NAME cosim_cli_reports_failure
           COMMAND sh -c "out=$(\"$0\" cosim \"$1\" --random 1 --dim N=6 --max-cycles 50 --junit \"$2\" 2>&1); rc=$?; echo \"$out\"; test $rc -eq 1 && echo \"$out\" | grep -q 'RTL: .*cycle limit 50' && grep -q '<failure' \"$2\""
                   $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR}/examples/spmm.ff ${CMAKE_BINARY_DIR}/cosim_cli_failure.xml)
  set_tests_properties(cosim_cli_reports_failure PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  # data the tiles cannot hold is a refusal, named in one line, not a
  # "first divergence" of a run that never happened (issue 18)
  add_test(NAME cosim_cli_capacity_is_no_divergence
           COMMAND sh -c "out=$(\"$0\" cosim \"$1\" --tensor A=\"$2\" --tensor B=\"$2\" 2>&1); rc=$?; echo \"$out\"; test $rc -eq 1 && echo \"$out\" | grep -q \"needs 4489 SRAM words, the tile has 512\" && ! echo \"$out\" | grep -q divergence"
                   $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR}/examples/spmm.ff ${FUSEFLOW_SHARED_DATA}/suitesparse/west0067.mtx)
  set_tests_properties(cosim_cli_capacity_is_no_divergence PROPERTIES LABELS "rtl;cosim" TIMEOUT 120)
  # the same matrix tiled to fit (--tile auto, docs/cosim.md "Tiling"; spmv
  # fits untiled there, so it is tiled by hand, and add gets a denser random
  # B, A + A fitting untiled): every
  # tile's outputs and cycles C model against RTL, the merged result against
  # the reference; an explicit tiling of a summed loop adds partial sums
  set(west ${FUSEFLOW_SHARED_DATA}/suitesparse/west0067.mtx)
  foreach(run "spmm;--tensor;A=${west};--tensor;B=${west};--tile;auto"
              "add;--tensor;A=${west};--random;3;--density;0.2;--tile;auto"
              "sddmm;--tensor;M=${west};--random;1;--dim;D=8;--tile;auto"
              "spmv;--tensor;A=${west};--random;1;--tile;i:40,k:20")
    list(POP_FRONT run m)
    list(GET run -1 tiles)
    string(REPLACE ":" "" tname "${tiles}")
    string(REPLACE "," "_" tname "${tname}")
    add_test(NAME cosim_cli_tile_${m}_${tname}_west0067
             COMMAND sh -c "out=$(\"$@\" 2>&1); rc=$?; echo \"$out\"; test $rc -eq 0 && echo \"$out\" | grep -q ' ok ([0-9]* tiles[,)]' && echo \"$out\" | grep -q '1 of 1 kernel equal'"
                     sh $<TARGET_FILE:fuseflow> cosim ${CMAKE_SOURCE_DIR}/examples/${m}.ff ${run})
    set_tests_properties(cosim_cli_tile_${m}_${tname}_west0067 PROPERTIES LABELS "rtl;cosim" TIMEOUT 60)
  endforeach()
  # the real-size table's CI subset (scripts/cosim-table.sh --quick: lp_afiro
  # and west0067 x spmv, spmm, sddmm, add, mul, --tile auto, with the
  # off-chip memory on): every run passes, tiled ones among them, with its
  # ports' bytes and waiting, and rows are printed for all ten
  add_test(NAME cosim_table_quick
           COMMAND sh -c "out=$(\"$0\" --quick --build \"$1\" --arch \"$3\" \"$2\" 2>/dev/null); rc=$?; echo \"$out\"; test $rc -eq 0 && test $(echo \"$out\" | grep -c '^| \\(lp_afiro\\|west0067\\) |') -eq 10 && echo \"$out\" | grep -q '^| west0067 | 67 x 67 | 294 | spmm | [^|]* | [0-9]* | [0-9,]* | [0-9,]* / [0-9,]* | [0-9.]*% | [0-9.]* s | pass | pass |$'"
                   ${CMAKE_SOURCE_DIR}/scripts/cosim-table.sh ${CMAKE_BINARY_DIR} ${FUSEFLOW_SHARED_DATA}/suitesparse
                   ${CMAKE_SOURCE_DIR}/arch/hbm-study.json)
  set_tests_properties(cosim_table_quick PROPERTIES LABELS "rtl;cosim" TIMEOUT 120)
endif()
