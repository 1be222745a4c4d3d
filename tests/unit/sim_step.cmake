# ff_sim_start + ff_sim_step (models/sim/ff_sim.h), the per-cycle form of
# ff_sim_run that clocked harnesses use (cosim/systemc): same cycles, same
# results, same errors, on every statement of every example.
ff_add_test(NAME test_sim_step SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_step.c
            LIBS ff_lower ff_ir ff_sim LABELS "unit;model")
