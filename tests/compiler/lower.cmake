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
# --block on the command line: a bad B and a tensor stored in other blocks
# are one-line errors (the second naming the model's line); a blocked BigBird
# mask checks bit-exactly; a block graph is refused by the RTL back end.
add_test(NAME cli_block_errors
         COMMAND sh -c "set -e; ff=\"$0\"; src=\"$1\";
           sed 's/^tensor A\\[N, K\\] : csr/tensor A[N, K] : bcsr(4)/' \"$src/examples/spmv.ff\" >blk_spmv.ff;
           \"$ff\" run blk_spmv.ff --random 1 --dim N=16 --dim K=8 --block 4 --check | grep -q 'bit-exactly';
           if \"$ff\" run blk_spmv.ff --random 1 --block 0 2>b1; then exit 1; fi; grep -q 'expected the block size B, 1..64' b1;
           if \"$ff\" run blk_spmv.ff --random 1 --block 8 2>b2; then exit 1; fi;
           grep -q 'blk_spmv.ff:[0-9]*:[0-9]*: --block 8: tensor A is stored in blocks of 4' b2;
           if \"$ff\" run blk_spmv.ff --random 1 --dim N=10 --dim K=8 --block 4 2>b3; then exit 1; fi;
           grep -q 'blk_spmv.ff:[0-9]*: kernel 1: .*not a multiple of the block size 4' b3;
           test $(wc -l <b2) -eq 1; test $(wc -l <b3) -eq 1;
           rm -f b1 b2 b3 blk_spmv.ff"
         $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR})
set_tests_properties(cli_block_errors PROPERTIES LABELS compiler TIMEOUT 60)
