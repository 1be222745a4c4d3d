# Data loss in the number format (issue 16): a file value beyond Q15.16
# saturates and a nonzero that rounds to 0 vanishes; either is an input
# error naming file:line (exit 1), or with --allow-rounding one warning line
# and the run goes on. Rounding to nearest (0.1) is not loss: no report.
# Uses ff_cli_case (cli_errors.cmake, included before this file).
set(ff_rd ${CMAKE_CURRENT_BINARY_DIR})
file(WRITE ${ff_rd}/round_sat.mtx "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 2 40000\n")
file(WRITE ${ff_rd}/round_under.mtx "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1e-7\n2 2 2\n")
file(WRITE ${ff_rd}/round_tenth.mtx "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 0.1\n2 2 -32768\n")
file(WRITE ${ff_rd}/round_sat.txt "shape 2\n1 -70000.5\n")
file(WRITE ${ff_rd}/round_x.txt "shape 2\n1 0.5\n")
ff_cli_case(round_saturates 1 "round_sat.mtx:4: values lost in Q15.16: 1 saturated (outside [-32768, 32768)), 0 nonzeros rounded to 0; worst \"40000\""
            run @EX@/spmv.ff --tensor A=@T@/round_sat.mtx --random 1)
ff_cli_case(round_saturates_allowed 0 "fuseflow run: warning: " run @EX@/spmv.ff --tensor A=@T@/round_sat.mtx --random 1 --allow-rounding --check)
ff_cli_case(round_underflows 1 "round_under.mtx:3: values lost in Q15.16: 0 saturated (outside [-32768, 32768)), 1 nonzeros rounded to 0; worst \"1e-7\""
            run @EX@/spmv.ff --tensor A=@T@/round_under.mtx --random 1)
ff_cli_case(round_text_form 1 "round_sat.txt:2: values lost in Q15.16: 1 saturated" run @EX@/spmv.ff --tensor x=@T@/round_sat.txt --random 1)
ff_cli_case(round_sim 1 "round_sat.mtx:4: values lost in Q15.16" sim @G@ --tensor A=@T@/round_sat.mtx)
ff_cli_case(round_sim_allowed 0 "fuseflow sim: warning: " sim @G@ --tensor A=@T@/round_sat.mtx --tensor x=@T@/round_x.txt --allow-rounding)
ff_cli_case(round_cosim_usage 2 "fuseflow cosim:" cosim @EX@/spmv.ff --allow-rounding=1)
# 0.1 rounds to nearest and -32768 is exact: nothing on stderr
add_test(NAME cli_case_round_tenth_silent
         COMMAND sh -c "\"$0\" run \"$1\" --tensor A=\"$2/round_tenth.mtx\" --random 1 --check 2>\"$2/round_tenth.err\" >/dev/null && test ! -s \"$2/round_tenth.err\""
                 $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR}/examples/spmv.ff ${ff_rd})
set_tests_properties(cli_case_round_tenth_silent PROPERTIES LABELS compiler TIMEOUT 60)
# An ALU result that saturates during a run (200 * 300, -300 * 200) is counted
# and reported as one warning line per kernel, naming the node; the run
# succeeds and agrees with the reference (which saturates the same way).
file(WRITE ${ff_rd}/round_ma.txt "shape 2 2\n200 1\n0 -300\n")
file(WRITE ${ff_rd}/round_mb.txt "shape 2 2\n300 2\n0 200\n")
ff_cli_case(round_alu_run 0 "mul.ff:5: kernel 1: 2 results saturated in ALUs or sums (most at node mul)"
            run @EX@/mul.ff --tensor A=@T@/round_ma.txt --tensor B=@T@/round_mb.txt --check)
# A running sum that leaves the format is counted too: a reducer's
# (20000 + 20000 in one row of an SpMV) and, in block mode, every entry of a
# contracted block product (four entries of 20000 + 20000).
file(WRITE ${ff_rd}/round_sum_a.mtx "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 20000\n1 2 20000\n2 2 1\n")
file(WRITE ${ff_rd}/round_sum_x.txt "shape 2\n1 1\n")
ff_cli_case(round_reduce_run 0 "spmv.ff:6: kernel 1: 1 result saturated in ALUs or sums (most at node sum_k)"
            run @EX@/spmv.ff --tensor A=@T@/round_sum_a.mtx --tensor x=@T@/round_sum_x.txt --check)
file(WRITE ${ff_rd}/round_blk.ff "tensor A[N,K] : bcsr(2)\ntensor B[K,M] : bcsr(2)\nC[i,j] = A[i,k] * B[k,j]\n")
file(WRITE ${ff_rd}/round_blk_a.mtx
     "%%MatrixMarket matrix coordinate real general\n2 2 4\n1 1 20000\n1 2 20000\n2 1 20000\n2 2 20000\n")
file(WRITE ${ff_rd}/round_blk_b.mtx "%%MatrixMarket matrix coordinate real general\n2 2 4\n1 1 1\n1 2 1\n2 1 1\n2 2 1\n")
ff_cli_case(round_block_run 0 "round_blk.ff:3: kernel 1: 4 results saturated in ALUs or sums (most at node matmul)"
            run @T@/round_blk.ff --tensor A=@T@/round_blk_a.mtx --tensor B=@T@/round_blk_b.mtx --block 2 --check)
