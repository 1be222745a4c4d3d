# docs/ against the tools and ff_prims.def (scripts/docs.sh): the bitstream
# examples are the real output, every kind is in the kind lists.
add_test(NAME docs_generated COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/docs.sh check $<TARGET_FILE:fuseflow>)
set_tests_properties(docs_generated PROPERTIES LABELS "unit;docs" TIMEOUT 120)
