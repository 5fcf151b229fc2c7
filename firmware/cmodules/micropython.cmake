# User C modules for the CMake ports (rp2):
#   make -C ports/rp2 BOARD=... USER_C_MODULES=<abs path>/firmware/cmodules/micropython.cmake
# Make ports (unix) take the folder instead and read each */micropython.mk.
include(${CMAKE_CURRENT_LIST_DIR}/faxcore/micropython.cmake)
# The audio path needs the pico-sdk: rp2 builds only.
if(DEFINED PICO_PLATFORM)
    include(${CMAKE_CURRENT_LIST_DIR}/audio/micropython.cmake)
endif()
