# Bad command lines and inputs that crashed (exit 139) or were silently
# accepted (issue 16): each exits 2 (usage) or 1 (input) with one line saying
# what was expected. A case: ff_cli_case(NAME EXIT MESSAGE ARGS...), ARGS
# after `fuseflow`; @EX@ is the examples folder, @G@ the spmv graph, @T@ this
# test's scratch folder.
set(FF_CLI_CASE ${CMAKE_CURRENT_LIST_DIR}/cli_case.sh)
function(ff_cli_case name code msg)
  set(args)
  foreach(a ${ARGN})
    string(REPLACE "@EX@" "${CMAKE_SOURCE_DIR}/examples" a "${a}")
    string(REPLACE "@G@" "${CMAKE_SOURCE_DIR}/tests/graphs/spmv.json" a "${a}")
    string(REPLACE "@T@" "${CMAKE_CURRENT_BINARY_DIR}" a "${a}")
    list(APPEND args "${a}")
  endforeach()
  add_test(NAME cli_case_${name} COMMAND sh ${FF_CLI_CASE} ${code} "${msg}" $<TARGET_FILE:fuseflow> ${args})
  set_tests_properties(cli_case_${name} PROPERTIES LABELS compiler TIMEOUT 60)
endfunction()

ff_cli_case(run_random_last 2 "--random needs a value" run @EX@/spmv.ff --random)
ff_cli_case(run_density_last 2 "--density needs a value" run @EX@/spmv.ff --random 1 --density)
# an empty argument does not survive a CMake list: registered by hand
add_test(NAME cli_case_run_density_empty
         COMMAND sh ${FF_CLI_CASE} 2 "--density : expected a number in [0, 1]" $<TARGET_FILE:fuseflow>
                 run ${CMAKE_SOURCE_DIR}/examples/spmv.ff --random 1 --density "")
set_tests_properties(cli_case_run_density_empty PROPERTIES LABELS compiler TIMEOUT 60)
ff_cli_case(cosim_density_last 2 "fuseflow cosim:" cosim @EX@/spmv.ff --density)
ff_cli_case(sim_depth_last 2 "--depth needs a value" sim @G@ --depth)
ff_cli_case(sim_max_cycles_last 2 "--max-cycles needs a value" sim @G@ --max-cycles)
ff_cli_case(sim_depth_5x 2 "--depth 5x: expected a positive integer" sim @G@ --depth 5x)
ff_cli_case(sim_tensor_missing 1 "/nonexistent.mtx: cannot open" sim @G@ --tensor A=/nonexistent.mtx)
ff_cli_case(prim_ii_0 2 "--ii 0: expected a positive integer" prim scan --ii 0)
ff_cli_case(run_dim_wraps 2 "--dim 'N=4294967297': expected NAME=SIZE with SIZE in 1..4294967295" run @EX@/spmv.ff --random 1 --dim N=4294967297)
ff_cli_case(run_dim_trailing 2 "--dim 'N=5abc': expected NAME=SIZE" run @EX@/spmv.ff --random 1 --dim N=5abc)
ff_cli_case(run_random_wraps 2 "--random 99999999999999999999: expected an integer seed" run @EX@/spmv.ff --random 99999999999999999999)
ff_cli_case(run_order_stmt 2 "--order 99:i,k: expected [N:]ORDER with N a statement, 1..1" run @EX@/spmv.ff --random 1 --order 99:i,k)
ff_cli_case(run_order_not_n 2 "--order x:i,k: expected [N:]ORDER" run @EX@/spmv.ff --random 1 --order x:i,k)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/empty.ff "# no statement\n")
ff_cli_case(run_empty_model 1 "empty.ff: no statement" run @T@/empty.ff --random 1)
# More functions or sums peeled off the top of a statement than the
# lowering's fixed tables hold (once a stack overflow): one line naming it.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/unary17.ff "tensor x[N] : dense\ny[i] = -----------------(x[i])\n")
ff_cli_case(lower_unary_17 1 "unary17.ff:2:24: more than 16 functions applied at the top of a statement"
            run @T@/unary17.ff --random 1)
ff_cli_case(compile_empty_model 1 "empty.ff: no statement" compile @T@/empty.ff)
# A 2^31-row csr is refused at the size line, before its 8 GiB row array.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/rows2g.mtx "%%MatrixMarket matrix coordinate real general\n2147483648 4 1\n1 1 1.0\n")
ff_cli_case(mtx_rows_2g 1 "rows2g.mtx:2: a 2147483648x4 tensor in format \"csr\" needs more than 2^31 positions at level 1"
            run @EX@/spmv.ff --tensor A=@T@/rows2g.mtx --random 1)
set_tests_properties(cli_case_mtx_rows_2g PROPERTIES TIMEOUT 10)
# --check on a 4294967295^2 tensor: the reference walks stored coordinates
# (the dense walk's size guard overflowed and it hung).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/huge.mtx "%%MatrixMarket matrix coordinate real general\n4294967295 4294967295 1\n7 9 1.5\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/huge.ff "tensor A[N, M] : dcsr\nB[i,j] = A[i,j] * A[i,j]\n")
add_test(NAME cli_case_check_huge
         COMMAND sh -c "\"$0\" run \"$1/huge.ff\" --tensor A=\"$1/huge.mtx\" --check | grep -q 'bit-exactly'"
                 $<TARGET_FILE:fuseflow> ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli_case_check_huge PROPERTIES LABELS compiler TIMEOUT 10)
# Loading a graph of 100k nodes and 20k tensors is linear (a name index):
# the old name lookup, a loop per added name, took minutes.
add_test(NAME cli_case_graph_100k
         COMMAND sh -c "set -e; { printf '{\"fuseflow\": \"graph\", \"version\": 1, \"name\": \"big\", \"tensors\": [\\n';
             seq 1 20000 | awk '{printf \"%s{\\\"name\\\": \\\"t%d\\\", \\\"role\\\": \\\"input\\\", \\\"order\\\": 1, \\\"format\\\": \\\"dense\\\"}\\n\", (NR>1?\",\":\"\"), $1}';
             printf '], \"nodes\": [\\n';
             seq 1 100000 | awk '{printf \"%s{\\\"name\\\": \\\"n%d\\\", \\\"prim\\\": \\\"root\\\"}\\n\", (NR>1?\",\":\"\"), $1}';
             printf '], \"edges\": []}\\n'; } >graph100k.json;
           \"$0\" graph check graph100k.json | grep -q '100000 nodes.*20000 tensors'; rm -f graph100k.json"
         $<TARGET_FILE:fuseflow>)
set_tests_properties(cli_case_graph_100k PROPERTIES LABELS compiler TIMEOUT 15)
# On failure nothing the command wrote is left: compile -o with a --dot it
# cannot write, and run --out whose second output cannot be written (a
# directory in the way, which stays).
add_test(NAME cli_case_compile_leaves_nothing
         COMMAND sh -c "set -e; rm -f cl.json; if \"$0\" compile \"$1\" -o cl.json --dot /nonexistent/x.dot >/dev/null 2>err; then exit 1; fi;
           grep -q '/nonexistent/x.dot: No such file or directory' err; test ! -e cl.json; rm -f err"
         $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR}/examples/spmv.ff)
set_tests_properties(cli_case_compile_leaves_nothing PROPERTIES LABELS compiler TIMEOUT 60)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/two_outputs.ff "tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\nz[i] = A[i,k] * x[k]\n")
add_test(NAME cli_case_run_leaves_nothing
         COMMAND sh -c "set -e; rm -rf two_out; mkdir -p two_out/z.mtx;
           if \"$0\" run two_outputs.ff --random 1 --out two_out >/dev/null 2>err; then exit 1; fi;
           test $(wc -l <err) -eq 1; test ! -e two_out/y.mtx; test -d two_out/z.mtx; rm -rf err two_out"
         $<TARGET_FILE:fuseflow>)
set_tests_properties(cli_case_run_leaves_nothing PROPERTIES LABELS compiler TIMEOUT 60 WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
# explore whose plot fails (gnuplot cannot write it, or is not installed)
# leaves no CSV and no half plot.
add_test(NAME cli_case_explore_leaves_nothing
         COMMAND sh -c "set -e; rm -f ex.csv; if \"$0\" explore \"$1/examples/spmv.ff\" --random 1 --arch \"$1/arch/hbm-study.json\" --csv ex.csv --plot /nonexistent/p.svg >/dev/null 2>err; then exit 1; fi;
           grep -q 'fuseflow explore: .*gnuplot' err; test ! -e ex.csv; rm -f err"
         $<TARGET_FILE:fuseflow> ${CMAKE_SOURCE_DIR})
set_tests_properties(cli_case_explore_leaves_nothing PROPERTIES LABELS compiler TIMEOUT 120)
# Kernels that read program tensors numbered past 255 (420 chained
# statements fused 60 at a time; kernel 7 reads y359): the lowering's
# per-tensor scratch was a fixed 256-entry array, overrun there (kernel 7
# failed with "internal error ... tensor 'y359' is not declared").
add_test(NAME cli_case_fuse_many_tensors
         COMMAND sh -c "set -e; { echo 'tensor x[N] : dense'; echo 'y0[i] = x[i] + 1';
             seq 1 419 | awk '{printf \"y%d[i] = y%d[i] + 1\\n\", $1, $1 - 1}'; } >many.ff;
           \"$0\" run many.ff --random 1 --dim N=4 --fuse 1-60,61-120,121-180,181-240,241-300,301-360,361-420 --check | grep -q 'bit-exactly';
           rm -f many.ff"
         $<TARGET_FILE:fuseflow>)
set_tests_properties(cli_case_fuse_many_tensors PROPERTIES LABELS compiler TIMEOUT 60)
# An index summed over one factor alone is almost always a typo: one warning
# line naming it and where (the run goes on: the model is legal).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/typo.ff "tensor A[N, K] : csr\ntensor x[K] : dense\ny[i] = A[i,k] * x[j] * x[k]\n")
ff_cli_case(warn_lonely_index 0 "typo.ff:3:17: index j appears in this factor alone" run @T@/typo.ff --random 1 --check)
# --reuse (issue 15): a bad mode is a usage error; a buffer the arch cannot
# hold, with buffers required, names what it replays, the words it needs and
# the words available; with --reuse auto that walk is recomputed instead.
ff_cli_case(run_reuse_bad 2 "--reuse sometimes: expected auto, buffer, recompute or hold" run @EX@/softmax.ff --random 1 --reuse sometimes)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/tiny_buffers.json
     "{\"fuseflow\": \"arch\", \"version\": 1, \"name\": \"tiny-buffers\", \"buffer_words\": 64}\n")
ff_cli_case(run_reuse_buffer_too_small 1
            "attention_softmax.ff:16:10: --reuse buffer: replaying the softmax's operand along j (in the kernel computing O) needs a stream buffer of 258 words for its longest fiber, the architecture has 64 (buffer_words)"
            run @EX@/attention_softmax.ff --random 1 --dim N=128 --dim D=16 --density 0.1 --arch @T@/tiny_buffers.json
            --fuse all --reuse buffer)
# --reuse hold: a producer its consumer revisits is computed in a phase of
# its own and held on chip; what the phases hold must fit the arch's
# glb_words, and the consumer must be able to read it in its stored format.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/mlp_hold.ff
     "tensor X[N,K] : csr\ntensor W1[K,H] : dd:1,0\ntensor W2[H,O] : dd:1,0\ntensor b[H] : dense\ntensor Z[N,H] : dd\n"
     "Z[i,j] = relu(X[i,k] * W1[k,j] + b[j])\nY[i,o] = Z[i,j] * W2[j,o]\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/tiny_glb.json
     "{\"fuseflow\": \"arch\", \"version\": 1, \"name\": \"tiny-glb\", \"glb_words\": 100}\n")
ff_cli_case(run_reuse_hold_too_small 1
            "mlp_hold.ff:6: kernel 1.1: holding Z on chip for statement 2 takes 256 words; the global memory holds 100 (the arch's glb_words)"
            run @T@/mlp_hold.ff --random 1 --fuse all --reuse hold --arch @T@/tiny_glb.json)
ff_cli_case(run_reuse_hold_bad_order 1
            "tensor Z (dd) cannot be iterated in this order: its levels go i before j; store it in another format or choose another order (--reuse hold: statement 2 reads the producers it holds"
            run @T@/mlp_hold.ff --random 1 --fuse all --reuse hold --order 2:o,j,i,k_Z --relayout off)
# ... which relayout (the default) avoids: Z, a producer held for its
# kernel alone, is held in the layout its reader needs (docs/language.md
# "Relayout"), bit-exact.
add_test(NAME cli_relayout_held
         COMMAND sh -c "\"$0\" run \"$1/mlp_hold.ff\" --random 1 --fuse all --reuse hold --order 2:o,j,i,k_Z --check >h1 &&
           grep -q 'Z (held on chip as dd:1,0)' h1 && grep -q 'bit-exactly' h1 && rm -f h1"
                 $<TARGET_FILE:fuseflow> ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli_relayout_held PROPERTIES LABELS compiler TIMEOUT 60)
# A masked term added to a constant: the union is present everywhere and
# nothing there is a tensor to walk it, so it is refused with the reason;
# added to tensors (sparse or dense) it is realized beside its mask and
# bit-exact (test_lower).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/mask_plus_one.ff
     "tensor A[N] : sparse\ntensor X[N] : dense\ny[j] = mask(A[j], X[j]) + 1\n")
ff_cli_case(run_mask_plus_constant 1
            "mask_plus_one.ff:3:1: a mask() is added to a term present at every coordinate of index j that reads no dense tensor"
            run @T@/mask_plus_one.ff --random 1 --check)
# Windows (docs/language.md "Offsets"): a window along a tiled loop, an
# offset a compiled graph cannot bind.
ff_cli_case(run_window_tiled 1 "--tile: " run @EX@/windows.ff --random 1 --dim S=12 --tile j:5)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/window_2d.ff
     "tensor A[N, K] : dense\ntensor B[K] : dense\ntensor y[N, K] : dense\ny[i, j] = A[i, j] + B[2*K + j - 3]\n")
ff_cli_case(compile_window_offset_unbound 1 "a compiled graph takes an offset that is a number or one size" compile @T@/window_2d.ff)
# ... which a run, binding sizes from its data, writes as its number
add_test(NAME cli_window_offset_bound
         COMMAND sh -c "\"$0\" run \"$1/window_2d.ff\" --random 1 --dim N=5 --dim K=4 --check | grep -q bit-exactly"
                 $<TARGET_FILE:fuseflow> ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli_window_offset_bound PROPERTIES LABELS compiler TIMEOUT 60)
