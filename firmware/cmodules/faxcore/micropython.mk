# The fax core as a MicroPython user C module for the Make ports (unix):
#   make -C ports/unix USER_C_MODULES=<abs path>/firmware/cmodules
# Only the binding files are scanned for QSTRs; the C core has none.
FAXCORE_DIR := $(USERMOD_DIR)

SRC_USERMOD_C += $(FAXCORE_DIR)/bind/mp_faxmodem.c
SRC_USERMOD_C += $(FAXCORE_DIR)/bind/mp_faxt4.c
SRC_USERMOD_LIB_C += $(wildcard $(FAXCORE_DIR)/dsp/*.c)
SRC_USERMOD_LIB_C += $(wildcard $(FAXCORE_DIR)/t4/*.c)

CFLAGS_USERMOD += -I$(FAXCORE_DIR)/dsp -I$(FAXCORE_DIR)/t4
