# Runs PROGRAM with ARGS (a ;-list) and writes its standard output to OUTPUT, failing the build
# if the program fails. Used to generate the man page and shell completion from the binary.
execute_process(COMMAND ${PROGRAM} ${ARGS} OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUTPUT})
  message(FATAL_ERROR "${PROGRAM} ${ARGS} failed: ${status}")
endif()
