# Relayout (compiler/lower/relayout.c): copies of inputs in the mode order a
# kernel needs -- lowered, run bit-exact against the reference, shared per
# (tensor, mode order); --relayout off keeps the error.
ff_add_test(NAME test_relayout SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_relayout.c LIBS ff_run ff_lower ff_ir ff_sim
            LABELS unit compiler TIMEOUT 120)
# On the command line: the copy is shown by compile and run, run checks
# bit-exactly; --relayout off is the old one-line error (exit 1); a bad
# value is one usage line (exit 2).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/rowcol.ff
     "tensor A[N, N] : csr\ntensor B[N, N] : csr\ny[i] = A[i,j] * B[j,i]\n")
add_test(NAME cli_relayout
         COMMAND sh -c "set -e; ff=\"$0\"; m=\"$1/rowcol.ff\";
           \"$ff\" compile \"$m\" | grep -q 'kernel 1 (relayout: B__t = B as csc): B__t in order j,i';
           \"$ff\" run \"$m\" --random 1 --check >o1; grep -q 'kernel 2 (statement 1) -> y' o1; grep -q 'bit-exactly' o1;
           rm -f o1"
         $<TARGET_FILE:fuseflow> ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli_relayout PROPERTIES LABELS compiler TIMEOUT 60)
ff_cli_case(relayout_off 1 "rowcol.ff:3: no loop order visits every tensor's levels in their order; change a format"
            run @T@/rowcol.ff --random 1 --relayout off)
ff_cli_case(relayout_off_compile 1 "rowcol.ff:3: no loop order visits every tensor's levels in their order"
            compile @T@/rowcol.ff --relayout=off)
ff_cli_case(relayout_bad_value 2 "--relayout maybe: expected auto or off" run @T@/rowcol.ff --random 1 --relayout maybe)
