# The PyTorch front end (compiler/torch, docs/torch.md): every example in
# examples/torch exported, run with `fuseflow run --check`, and compared with
# PyTorch's float64 output within the exporter's error bound; every kind of
# model the exporter must refuse. Needs Debian's python3-torch on
# /usr/bin/python3 (scripts/setup.sh --torch); -DFUSEFLOW_TORCH=OFF skips it.
option(FUSEFLOW_TORCH "Test the PyTorch front end (needs python3-torch: scripts/setup.sh --torch)" ON)
set(FUSEFLOW_PYTHON /usr/bin/python3 CACHE FILEPATH "The Python with Debian's python3-torch and python3-numpy")
if(FUSEFLOW_TORCH)
  # Importing torch takes a second or two: check once per Python.
  if(NOT FF_TORCH_CHECKED STREQUAL "${FUSEFLOW_PYTHON}")
    execute_process(COMMAND ${FUSEFLOW_PYTHON} -c "import torch, torch.fx, numpy"
                    RESULT_VARIABLE ff_torch_rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT ff_torch_rc EQUAL 0)
      message(FATAL_ERROR "FUSEFLOW_TORCH is ON but '${FUSEFLOW_PYTHON} -c \"import torch\"' fails: "
                          "run scripts/setup.sh --torch (or configure with -DFUSEFLOW_TORCH=OFF)")
    endif()
    set(FF_TORCH_CHECKED "${FUSEFLOW_PYTHON}" CACHE INTERNAL "Python whose torch import worked")
  endif()
  ff_test_support()
  ff_add_test(NAME test_torch SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_torch.c LIBS ff_testsupport ff_tensor ff_fixed ff_base m
              LABELS torch TIMEOUT 300 ARGS $<TARGET_FILE:fuseflow> ${FUSEFLOW_PYTHON})
endif()
# scripts/npz2mtx.py (graph datasets' .npz into Matrix Market) needs numpy,
# which comes with the same packages.
if(FUSEFLOW_TORCH)
  add_test(NAME npz2mtx COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/npz2mtx_test.sh ${FUSEFLOW_PYTHON} $<TARGET_FILE:fuseflow>
                                   ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/npz2mtx)
  set_tests_properties(npz2mtx PROPERTIES LABELS "torch;compiler" TIMEOUT 120)
endif()
# Model choices in `fuseflow sweep` (docs/sweep.md "Model choices"): GCN
# models trained on real Cora by scripts/train_gnn.py, their accuracy as the
# cycle model computes it recorded per point.
if(FUSEFLOW_TORCH)
  add_test(NAME sweep_model COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_model_test.sh $<TARGET_FILE:fuseflow>
                                    $<TARGET_FILE:ff_appdata> ${FUSEFLOW_PYTHON} ${CMAKE_SOURCE_DIR}
                                    ${CMAKE_CURRENT_BINARY_DIR}/sweep_model)
  set_tests_properties(sweep_model PROPERTIES LABELS "torch;compiler" TIMEOUT 300)
endif()
# ... and through --backend slurm (docs/sweep.md "Slurm"): needs the
# cluster as sweep_slurm does, so labelled slurm, not compiler.
if(FUSEFLOW_TORCH)
  add_test(NAME sweep_slurm_model COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_slurm_model_test.sh $<TARGET_FILE:fuseflow>
                                          $<TARGET_FILE:ff_appdata> ${FUSEFLOW_PYTHON} ${CMAKE_SOURCE_DIR}
                                          ${CMAKE_CURRENT_BINARY_DIR}/sweep_slurm_model)
  set_tests_properties(sweep_slurm_model PROPERTIES LABELS "torch;slurm" TIMEOUT 300)
endif()
