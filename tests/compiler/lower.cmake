ff_test_support()
ff_add_test(NAME test_lower SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lower.c LIBS ff_testsupport ff_lower ff_sim LABELS compiler model)
# --par on the command line: a bad spec and a loop that is a reduction are
# one-line usage/lowering errors naming what was expected; a good one checks.
add_test(NAME cli_par_errors
         COMMAND sh -c "set -e; ff=\"$0\"; m=\"$1\";
           \"$ff\" run \"$m\" --random 1 --par i:4 --check | grep -q 'bit-exactly';
           if \"$ff\" run \"$m\" --random 1 --par i:9 2>e1; then exit 1; fi; grep -q 'expected INDEX:P with P in 2..7' e1;
           if \"$ff\" run \"$m\" --random 1 --par q:2 2>e2; then exit 1; fi; grep -q \"no statement has a loop 'q'\" e2;
           if \"$ff\" run \"$m\" --random 1 --par k:2 2>e3; then exit 1; fi; grep -q 'k is not an output loop' e3;
           rm -f e1 e2 e3"
         $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR}/examples/spmv.ff)
set_tests_properties(cli_par_errors PROPERTIES LABELS compiler TIMEOUT 60)
