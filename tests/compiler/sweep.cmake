# `fuseflow sweep` (docs/sweep.md): end to end on a small space, and the
# space file's errors -- one line naming the file and the key, exit 1.
add_test(NAME sweep_end_to_end COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_test.sh $<TARGET_FILE:fuseflow>
                                         ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/sweep)
set_tests_properties(sweep_end_to_end PROPERTIES LABELS compiler TIMEOUT 120)
set(ff_sw ${CMAKE_CURRENT_BINARY_DIR})
file(WRITE ${ff_sw}/sw_unknown.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"schedule\": {\"fusion\": [\"all\"]}}\n")
ff_cli_case(sweep_unknown_key 1 "sw_unknown.json: schedule.fusion: unknown key (expected one of fuse, reuse, par, block)"
            sweep @T@/sw_unknown.json --db @T@/sw_unknown.db)
file(WRITE ${ff_sw}/sw_badarch.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"arch_params\": {\"fifo_depth\": [2, 0]}}\n")
ff_cli_case(sweep_bad_arch_value 1 "sw_badarch.json: arch_params.fifo_depth[1]:"
            sweep @T@/sw_badarch.json --db @T@/sw_badarch.db)
file(WRITE ${ff_sw}/sw_badreuse.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"schedule\": {\"reuse\": [\"auto\", \"sometimes\"]}}\n")
ff_cli_case(sweep_bad_reuse 1 "sw_badreuse.json: schedule.reuse[1]: \"sometimes\": expected auto, buffer, recompute or hold"
            sweep @T@/sw_badreuse.json --db @T@/sw_badreuse.db)
ff_cli_case(sweep_missing_space 1 "/nonexistent.json" sweep /nonexistent.json)
ff_cli_case(sweep_bad_search 2 "--search bogus: expected exhaustive, random or surrogate"
            sweep @T@/sw_unknown.json --search bogus)
ff_cli_case(sweep_random_needs_sample 2 "--search random needs --sample N" sweep @T@/sw_unknown.json --search random)
ff_cli_case(sweep_j_zero 2 "-j 0: expected a number of processes 1..256" sweep @T@/sw_unknown.json -j 0)

# a point's result as a file, as a Slurm array task hands it back
ff_add_test(NAME test_sweep_result SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sweep_result.c LIBS ff_sweep
            LABELS compiler TIMEOUT 60)

# --backend slurm (docs/sweep.md "Slurm") on a running cluster: label slurm.
# scripts/test.sh starts the one-node cluster (scripts/slurm-local.sh) when
# run as root, and leaves the label out, saying so, when not.
add_test(NAME sweep_slurm COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_slurm_test.sh $<TARGET_FILE:fuseflow>
                                  ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/sweep_slurm)
set_tests_properties(sweep_slurm PROPERTIES LABELS slurm TIMEOUT 120)
ff_cli_case(sweep_bad_backend 2 "--backend bogus: expected local or slurm" sweep @T@/sw_unknown.json --backend bogus)
ff_cli_case(sweep_partition_local 2 "--partition goes with --backend slurm" sweep @T@/sw_unknown.json --partition p)
ff_cli_case(sweep_eval_point_alone 2 "--eval-point I and --result FILE go together"
            sweep @T@/sw_unknown.json --eval-point 1)
# no sbatch on PATH: one line, exit 1 (env clears PATH for fuseflow alone)
add_test(NAME cli_case_sweep_no_sbatch
         COMMAND sh ${FF_CLI_CASE} 1 "--backend slurm: cannot run sbatch" env PATH=/nonexistent
                 $<TARGET_FILE:fuseflow> sweep ${ff_sw}/sw_unknown.json --backend slurm)
set_tests_properties(cli_case_sweep_no_sbatch PROPERTIES LABELS compiler TIMEOUT 60)

# model choices: model_params without a way to train them, a placeholder
# that names nothing, a choice the command does not use
file(WRITE ${ff_sw}/sw_notrain.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"model_params\": {\"H\": [8, 16]}}\n")
ff_cli_case(sweep_model_needs_train 1 "sw_notrain.json: train: model_params needs a train command"
            sweep @T@/sw_notrain.json --db @T@/sw_notrain.db)
file(WRITE ${ff_sw}/sw_badplace.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"model_params\": {\"H\": [8]}, \"train\": {\"command\": [\"train\", \"{H}\", \"{W}\"]}}\n")
ff_cli_case(sweep_model_bad_placeholder 1 "sw_badplace.json: train.command[2]: \"{W}\": {W} is not a model_params name"
            sweep @T@/sw_badplace.json --db @T@/sw_badplace.db)
file(WRITE ${ff_sw}/sw_unused.json
     "{\"fuseflow\": \"space\", \"version\": 1, \"model\": \"${CMAKE_SOURCE_DIR}/examples/spmv.ff\", \"arch\": \"${CMAKE_SOURCE_DIR}/arch/default.json\", \"model_params\": {\"H\": [8], \"d\": [0.5]}, \"train\": {\"command\": [\"train\", \"{H}\"]}}\n")
ff_cli_case(sweep_model_unused 1 "sw_unused.json: train.command: {d} is not used: model_params.d would change nothing"
            sweep @T@/sw_unused.json --db @T@/sw_unused.db)
