/*
 * mod_faxaudio.c - MicroPython binding of the rp2 audio path: module `faxaudio`.
 *
 *   faxaudio.start(pio, pclk_pin, dout_pin, din_pin, callback=None)
 *       Starts the PCM port (FSYNC on pclk_pin + 1). callback(None) is scheduled
 *       (mp_sched_schedule) after each 16 ms DMA block, at most one pending.
 *   faxaudio.stop()
 *   faxaudio.exchange(out, inp) -> bool
 *       out, inp: buffers of BLOCK_SAMPLES int16 (array('h')). True: out was
 *       queued to send and inp holds the oldest received block. False: no
 *       received block yet (nothing taken): wait for the callback and retry.
 *   faxaudio.ready() -> int     received blocks waiting
 *   faxaudio.stats() -> (blocks, rx_overruns, tx_underruns, tx_overruns, lost)
 *   faxaudio.BLOCK_SAMPLES, faxaudio.RATE_HZ
 *
 * All state is static (the engine's rings and the DMA buffers are in .bss):
 * nothing is allocated on the sample path.
 */
#include "py/runtime.h"
#include "py/mphal.h"
#include "py/mperrno.h"

#include "fa_engine.h"
#include "pcm_rp2.h"

static fa_engine_t faxaudio_engine;
static volatile int faxaudio_pending;

/* The scheduled callback lives in the root pointers so the GC keeps it. */
MP_REGISTER_ROOT_POINTER(mp_obj_t faxaudio_callback);

static mp_obj_t faxaudio_trampoline(mp_obj_t arg)
{
    mp_obj_t cb = MP_STATE_VM(faxaudio_callback);

    faxaudio_pending = 0;
    if (cb != mp_const_none && cb != MP_OBJ_NULL) {
        mp_call_function_1(cb, arg);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(faxaudio_trampoline_obj, faxaudio_trampoline);

/* DMA interrupt context: schedule at most one wake-up at a time. */
static void faxaudio_wake(void *arg)
{
    (void) arg;
    if (faxaudio_pending == 0) {
        if (mp_sched_schedule(MP_OBJ_FROM_PTR(&faxaudio_trampoline_obj), mp_const_none)) {
            faxaudio_pending = 1;
        }
    }
}

static mp_obj_t faxaudio_start(size_t n_args, const mp_obj_t *pos, mp_map_t *kw)
{
    enum { ARG_pio, ARG_pclk, ARG_dout, ARG_din, ARG_callback };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_pio, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_pclk_pin, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_dout_pin, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_din_pin, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_callback, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t a[MP_ARRAY_SIZE(allowed)];
    int rc;

    mp_arg_parse_all(n_args, pos, kw, MP_ARRAY_SIZE(allowed), allowed, a);
    if (a[ARG_pio].u_int < 0 || a[ARG_pclk].u_int < 0 || a[ARG_dout].u_int < 0
        || a[ARG_din].u_int < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("negative pin or pio"));
    }
    if (fa_pcm_running()) {
        mp_raise_OSError(MP_EBUSY);
    }
    fa_engine_init(&faxaudio_engine);
    MP_STATE_VM(faxaudio_callback) = a[ARG_callback].u_obj;
    faxaudio_pending = 0;
    rc = fa_pcm_start(&faxaudio_engine, (unsigned) a[ARG_pio].u_int, (unsigned) a[ARG_pclk].u_int,
                      (unsigned) a[ARG_dout].u_int, (unsigned) a[ARG_din].u_int,
                      faxaudio_wake, NULL);
    if (rc == FA_PCM_ERR_ARG) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad pio or pin"));
    }
    if (rc != FA_PCM_OK) {
        mp_raise_OSError(MP_ENODEV);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(faxaudio_start_obj, 4, faxaudio_start);

static mp_obj_t faxaudio_stop(void)
{
    fa_pcm_stop();
    MP_STATE_VM(faxaudio_callback) = mp_const_none;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(faxaudio_stop_obj, faxaudio_stop);

static mp_obj_t faxaudio_exchange(mp_obj_t out_in, mp_obj_t inp_in)
{
    mp_buffer_info_t out;
    mp_buffer_info_t inp;
    int rc;

    mp_get_buffer_raise(out_in, &out, MP_BUFFER_READ);
    mp_get_buffer_raise(inp_in, &inp, MP_BUFFER_WRITE);
    if (out.len != FA_BLOCK_SAMPLES * 2 || inp.len != FA_BLOCK_SAMPLES * 2) {
        mp_raise_ValueError(MP_ERROR_TEXT("blocks must be BLOCK_SAMPLES int16"));
    }
    rc = fa_engine_exchange(&faxaudio_engine, (const int16_t *) out.buf, (int16_t *) inp.buf,
                            FA_BLOCK_SAMPLES);
    return mp_obj_new_bool(rc == 1);
}
static MP_DEFINE_CONST_FUN_OBJ_2(faxaudio_exchange_obj, faxaudio_exchange);

static mp_obj_t faxaudio_ready(void)
{
    return MP_OBJ_NEW_SMALL_INT((mp_int_t) fa_engine_ready(&faxaudio_engine));
}
static MP_DEFINE_CONST_FUN_OBJ_0(faxaudio_ready_obj, faxaudio_ready);

static mp_obj_t faxaudio_stats(void)
{
    fa_engine_t *e = &faxaudio_engine;
    mp_obj_t items[5] = {
        mp_obj_new_int_from_uint(e->blocks),
        mp_obj_new_int_from_uint(e->rx_overruns),
        mp_obj_new_int_from_uint(e->tx_underruns),
        mp_obj_new_int_from_uint(e->tx_overruns),
        mp_obj_new_int_from_uint(e->lost),
    };
    return mp_obj_new_tuple(5, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(faxaudio_stats_obj, faxaudio_stats);

static const mp_rom_map_elem_t faxaudio_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_faxaudio) },
    { MP_ROM_QSTR(MP_QSTR_start), MP_ROM_PTR(&faxaudio_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_stop), MP_ROM_PTR(&faxaudio_stop_obj) },
    { MP_ROM_QSTR(MP_QSTR_exchange), MP_ROM_PTR(&faxaudio_exchange_obj) },
    { MP_ROM_QSTR(MP_QSTR_ready), MP_ROM_PTR(&faxaudio_ready_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&faxaudio_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_BLOCK_SAMPLES), MP_ROM_INT(FA_BLOCK_SAMPLES) },
    { MP_ROM_QSTR(MP_QSTR_RATE_HZ), MP_ROM_INT(FA_RATE_HZ) },
};
static MP_DEFINE_CONST_DICT(faxaudio_globals, faxaudio_globals_table);

const mp_obj_module_t faxaudio_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *) &faxaudio_globals,
};

MP_REGISTER_MODULE(MP_QSTR_faxaudio, faxaudio_user_cmodule);
