# The fax core as one MicroPython user C module library: modules `faxmodem`
# (dsp/ + bind/mp_faxmodem.c) and `faxt4` (t4/ + bind/mp_faxt4.c).
add_library(usermod_faxcore INTERFACE)

file(GLOB FAXCORE_DSP_SOURCES ${CMAKE_CURRENT_LIST_DIR}/dsp/*.c)
file(GLOB FAXCORE_T4_SOURCES ${CMAKE_CURRENT_LIST_DIR}/t4/*.c)

target_sources(usermod_faxcore INTERFACE
    ${FAXCORE_DSP_SOURCES}
    ${FAXCORE_T4_SOURCES}
    ${CMAKE_CURRENT_LIST_DIR}/bind/mp_faxmodem.c
    ${CMAKE_CURRENT_LIST_DIR}/bind/mp_faxt4.c
)

target_include_directories(usermod_faxcore INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/dsp
    ${CMAKE_CURRENT_LIST_DIR}/t4
)

target_link_libraries(usermod INTERFACE usermod_faxcore)
