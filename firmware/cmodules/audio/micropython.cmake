# The rp2 audio path as a user C module: module `faxaudio` (PIO PCM port, DMA,
# shared DMA interrupt, SPSC rings to MicroPython). rp2 only: it needs the
# pico-sdk, so the top-level file includes it only when PICO_PLATFORM is set.
# ring.c comes from the fax core's dsp/ (already compiled there by usermod_faxcore).
add_library(usermod_faxaudio INTERFACE)

target_sources(usermod_faxaudio INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/fa_engine.c
    ${CMAKE_CURRENT_LIST_DIR}/pcm_prog.c
    ${CMAKE_CURRENT_LIST_DIR}/pcm_rp2.c
    ${CMAKE_CURRENT_LIST_DIR}/mod_faxaudio.c
)

target_include_directories(usermod_faxaudio INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/../faxcore/dsp
)

target_link_libraries(usermod INTERFACE usermod_faxaudio)
