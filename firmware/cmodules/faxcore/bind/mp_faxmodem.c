/*
 * mp_faxmodem.c - MicroPython user C module `faxmodem`: the modem set of
 * dsp/faxmodems.c (Modem), raw modems for tests (RawTx, RawRx) and the
 * call-progress tone detector (ToneDetector).
 *
 * Same Python API as the CPython extension (py_faxmodem.c); see the README.
 * Objects hold their whole C state (allocated once at construction); only
 * event(), RawTx.tx(), RawRx.bits()/events()/stats(), ToneDetector.changes()
 * and stats() allocate, nothing is allocated per sample.
 */

#include "py/obj.h"
#include "py/objstr.h"
#include "py/runtime.h"

#include "faxmodems.h"

static int clamp_len(size_t len)
{
    return len > 0x7FFFFFFF ? 0x7FFFFFFF : (int) len;
}

static void check(int rc, mp_rom_error_text_t what)
{
    if (rc < 0) {
        mp_raise_ValueError(what);
    }
}

/* ---- Modem ---- */

typedef struct _faxmodem_modem_obj_t {
    mp_obj_base_t base;
    fm_state_t fm;
} faxmodem_modem_obj_t;

static mp_obj_t modem_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                               const mp_obj_t *all_args)
{
    enum { ARG_level_dbm0 };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_level_dbm0, MP_ARG_INT, {.u_int = FM_DEFAULT_LEVEL_DBM0} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxmodem_modem_obj_t *self;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    self = mp_obj_malloc(faxmodem_modem_obj_t, type);
    fm_init(&self->fm);
    self->fm.level_dbm0 = (int) args[ARG_level_dbm0].u_int;
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t modem_tx_silence(mp_obj_t self_in, mp_obj_t ms)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    check(fm_tx_silence(&self->fm, (int) mp_obj_get_int(ms)),
          MP_ERROR_TEXT("bad duration or queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(modem_tx_silence_obj, modem_tx_silence);

static mp_obj_t modem_tx_tone(mp_obj_t self_in, mp_obj_t kind, mp_obj_t ms)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    check(fm_tx_tone(&self->fm, (int) mp_obj_get_int(kind), (int) mp_obj_get_int(ms)),
          MP_ERROR_TEXT("bad tone or queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(modem_tx_tone_obj, modem_tx_tone);

static mp_obj_t modem_tx_dtmf(mp_obj_t self_in, mp_obj_t digit_in, mp_obj_t ms)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    size_t len;
    const char *digit = mp_obj_str_get_data(digit_in, &len);

    if (len != 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("one digit"));
    }
    check(fm_tx_dtmf(&self->fm, digit[0], (int) mp_obj_get_int(ms)),
          MP_ERROR_TEXT("bad digit or queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(modem_tx_dtmf_obj, modem_tx_dtmf);

static mp_obj_t modem_tx_v21(mp_obj_t self_in, mp_obj_t ms)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    check(fm_tx_v21(&self->fm, (int) mp_obj_get_int(ms)),
          MP_ERROR_TEXT("bad preamble or queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(modem_tx_v21_obj, modem_tx_v21);

static mp_obj_t modem_tx_frame(mp_obj_t self_in, mp_obj_t data_in, mp_obj_t final_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(data_in, &b, MP_BUFFER_READ);
    check(fm_tx_frame(&self->fm, (const uint8_t *) b.buf, clamp_len(b.len),
                      mp_obj_is_true(final_in)),
          MP_ERROR_TEXT("frame too long or frame queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(modem_tx_frame_obj, modem_tx_frame);

static mp_obj_t modem_tx_fast(size_t n_args, const mp_obj_t *args)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    int long_train = n_args > 3 ? mp_obj_is_true(args[3]) : 1;
    int hdlc = n_args > 4 ? mp_obj_is_true(args[4]) : 0;

    if (hdlc) {
        check(fm_tx_fast_hdlc(&self->fm, (int) mp_obj_get_int(args[1]),
                              (int) mp_obj_get_int(args[2]), long_train,
                              FM_HDLC_FAST_PREAMBLE_MS),
              MP_ERROR_TEXT("bad modem/rate or queue full"));
        return mp_const_none;
    }
    check(fm_tx_fast(&self->fm, (int) mp_obj_get_int(args[1]), (int) mp_obj_get_int(args[2]),
                     long_train),
          MP_ERROR_TEXT("bad modem/rate or queue full"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(modem_tx_fast_obj, 3, 5, modem_tx_fast);

static mp_obj_t modem_tx_frame_free(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return MP_OBJ_NEW_SMALL_INT(fm_tx_frame_free(&self->fm));
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_tx_frame_free_obj, modem_tx_frame_free);

static mp_obj_t modem_tx_data(mp_obj_t self_in, mp_obj_t data_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(data_in, &b, MP_BUFFER_READ);
    return MP_OBJ_NEW_SMALL_INT(fm_tx_data(&self->fm, (const uint8_t *) b.buf,
                                           clamp_len(b.len)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(modem_tx_data_obj, modem_tx_data);

static mp_obj_t modem_tx_data_end(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    fm_tx_data_end(&self->fm);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_tx_data_end_obj, modem_tx_data_end);

static mp_obj_t modem_tx_free(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return MP_OBJ_NEW_SMALL_INT(fm_tx_free(&self->fm));
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_tx_free_obj, modem_tx_free);

static mp_obj_t modem_tx_idle(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return mp_obj_new_bool(fm_tx_idle(&self->fm));
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_tx_idle_obj, modem_tx_idle);

static mp_obj_t modem_tx_flush(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    fm_tx_flush(&self->fm);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_tx_flush_obj, modem_tx_flush);

static mp_obj_t modem_tx(mp_obj_t self_in, mp_obj_t buf_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;
    int n;

    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_WRITE);
    n = clamp_len(b.len / 2);
    fm_tx(&self->fm, (int16_t *) b.buf, n);
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(modem_tx_obj, modem_tx);

static mp_obj_t modem_rx_mode(size_t n_args, const mp_obj_t *args)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    int modem = n_args > 2 ? (int) mp_obj_get_int(args[2]) : 0;
    int rate = n_args > 3 ? (int) mp_obj_get_int(args[3]) : 0;
    int short_train = n_args > 4 ? mp_obj_is_true(args[4]) : 0;
    int hdlc = n_args > 5 ? mp_obj_is_true(args[5]) : 0;

    check(fm_rx_mode(&self->fm, (int) mp_obj_get_int(args[1]), modem, rate, short_train),
          MP_ERROR_TEXT("bad mode, modem or rate"));
    fm_rx_set_hdlc(&self->fm, hdlc);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(modem_rx_mode_obj, 2, 6, modem_rx_mode);

static mp_obj_t modem_rx(mp_obj_t self_in, mp_obj_t buf_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_READ);
    fm_rx(&self->fm, (const int16_t *) b.buf, clamp_len(b.len / 2));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(modem_rx_obj, modem_rx);

static mp_obj_t modem_event(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const fm_event_t *e = fm_event_peek(&self->fm);
    mp_obj_t items[3];
    size_t n = 2;

    if (e == NULL) {
        return mp_const_none;
    }
    items[0] = MP_OBJ_NEW_SMALL_INT(e->type);
    switch (e->type) {
    case FM_EV_FRAME:
    case FM_EV_DATA: {
        vstr_t vstr;

        vstr_init_len(&vstr, e->len);
        fm_event_payload(&self->fm, (uint8_t *) vstr.buf);
        items[1] = mp_obj_new_bytes_from_vstr(&vstr);
        if (e->type == FM_EV_FRAME) {
            items[2] = mp_obj_new_bool(e->a);
            n = 3;
        }
        break;
    }
    case FM_EV_CARRIER:
        items[1] = mp_obj_new_bool(e->a);
        items[2] = MP_OBJ_NEW_SMALL_INT(e->b);
        n = 3;
        break;
    case FM_EV_TRAINED:
        items[1] = mp_obj_new_bool(e->a);
        break;
    default:
        items[1] = MP_OBJ_NEW_SMALL_INT(e->a);
        break;
    }
    fm_event_pop(&self->fm);
    return mp_obj_new_tuple(n, items);
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_event_obj, modem_event);

static mp_obj_t modem_stats(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t d = mp_obj_new_dict(4);

    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_level_dbm0),
                      MP_OBJ_NEW_SMALL_INT(fm_rx_level_dbm0(&self->fm)));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_snr_db),
                      MP_OBJ_NEW_SMALL_INT(fm_rx_snr_db(&self->fm)));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_tx_underruns),
                      mp_obj_new_int(self->fm.underruns));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_event_overruns),
                      mp_obj_new_int(self->fm.ev_overruns));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_stats_obj, modem_stats);

static mp_obj_t modem_rx_level_dbm0(mp_obj_t self_in)
{
    faxmodem_modem_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return MP_OBJ_NEW_SMALL_INT(fm_rx_block_dbm0(&self->fm));
}
static MP_DEFINE_CONST_FUN_OBJ_1(modem_rx_level_dbm0_obj, modem_rx_level_dbm0);

static const mp_rom_map_elem_t modem_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_tx_silence), MP_ROM_PTR(&modem_tx_silence_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_tone), MP_ROM_PTR(&modem_tx_tone_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_dtmf), MP_ROM_PTR(&modem_tx_dtmf_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_v21), MP_ROM_PTR(&modem_tx_v21_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_frame), MP_ROM_PTR(&modem_tx_frame_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_fast), MP_ROM_PTR(&modem_tx_fast_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_data), MP_ROM_PTR(&modem_tx_data_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_data_end), MP_ROM_PTR(&modem_tx_data_end_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_free), MP_ROM_PTR(&modem_tx_free_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_frame_free), MP_ROM_PTR(&modem_tx_frame_free_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_idle), MP_ROM_PTR(&modem_tx_idle_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx_flush), MP_ROM_PTR(&modem_tx_flush_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx), MP_ROM_PTR(&modem_tx_obj) },
    { MP_ROM_QSTR(MP_QSTR_rx_mode), MP_ROM_PTR(&modem_rx_mode_obj) },
    { MP_ROM_QSTR(MP_QSTR_rx), MP_ROM_PTR(&modem_rx_obj) },
    { MP_ROM_QSTR(MP_QSTR_event), MP_ROM_PTR(&modem_event_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&modem_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_rx_level_dbm0), MP_ROM_PTR(&modem_rx_level_dbm0_obj) },
};
static MP_DEFINE_CONST_DICT(modem_locals_dict, modem_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxmodem_modem_type,
    MP_QSTR_Modem,
    MP_TYPE_FLAG_NONE,
    make_new, modem_make_new,
    locals_dict, &modem_locals_dict
    );

/* ---- RawTx ---- */

typedef struct _faxmodem_rawtx_obj_t {
    mp_obj_base_t base;
    fm_raw_tx_t raw;
} faxmodem_rawtx_obj_t;

static mp_obj_t rawtx_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                               const mp_obj_t *all_args)
{
    enum { ARG_kind, ARG_bit_rate, ARG_long_train, ARG_level_dbm0 };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_kind, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_bit_rate, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_long_train, MP_ARG_BOOL, {.u_bool = true} },
        { MP_QSTR_level_dbm0, MP_ARG_INT, {.u_int = FM_DEFAULT_LEVEL_DBM0} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxmodem_rawtx_obj_t *self;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    self = mp_obj_malloc(faxmodem_rawtx_obj_t, type);
    check(fm_raw_tx_init(&self->raw, (int) args[ARG_kind].u_int, (int) args[ARG_bit_rate].u_int,
                         args[ARG_long_train].u_bool, (int) args[ARG_level_dbm0].u_int),
          MP_ERROR_TEXT("bad modem or bit rate"));
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rawtx_push(mp_obj_t self_in, mp_obj_t data_in)
{
    faxmodem_rawtx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(data_in, &b, MP_BUFFER_READ);
    return MP_OBJ_NEW_SMALL_INT(fm_raw_tx_push(&self->raw, (const uint8_t *) b.buf,
                                               clamp_len(b.len)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(rawtx_push_obj, rawtx_push);

static mp_obj_t rawtx_end(mp_obj_t self_in)
{
    faxmodem_rawtx_obj_t *self = MP_OBJ_TO_PTR(self_in);

    fm_raw_tx_end(&self->raw);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(rawtx_end_obj, rawtx_end);

static mp_obj_t rawtx_tx(mp_obj_t self_in, mp_obj_t n_in)
{
    faxmodem_rawtx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_int_t n = mp_obj_get_int(n_in);
    vstr_t vstr;

    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("n < 0"));
    }
    vstr_init_len(&vstr, (size_t) n * 2);
    fm_raw_tx(&self->raw, (int16_t *) vstr.buf, (int) n);
    return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_2(rawtx_tx_obj, rawtx_tx);

/* `finished` is a read-only attribute; everything else is in the locals dict. */
static void rawtx_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    faxmodem_rawtx_obj_t *self = MP_OBJ_TO_PTR(self_in);

    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_finished) {
        dest[0] = mp_obj_new_bool(self->raw.finished);
        return;
    }
    dest[1] = MP_OBJ_SENTINEL;
}

static const mp_rom_map_elem_t rawtx_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_push), MP_ROM_PTR(&rawtx_push_obj) },
    { MP_ROM_QSTR(MP_QSTR_end), MP_ROM_PTR(&rawtx_end_obj) },
    { MP_ROM_QSTR(MP_QSTR_tx), MP_ROM_PTR(&rawtx_tx_obj) },
};
static MP_DEFINE_CONST_DICT(rawtx_locals_dict, rawtx_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxmodem_rawtx_type,
    MP_QSTR_RawTx,
    MP_TYPE_FLAG_NONE,
    make_new, rawtx_make_new,
    attr, rawtx_attr,
    locals_dict, &rawtx_locals_dict
    );

/* ---- RawRx ---- */

typedef struct _faxmodem_rawrx_obj_t {
    mp_obj_base_t base;
    fm_raw_rx_t raw;
} faxmodem_rawrx_obj_t;

static mp_obj_t rawrx_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                               const mp_obj_t *all_args)
{
    enum { ARG_kind, ARG_bit_rate };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_kind, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_bit_rate, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxmodem_rawrx_obj_t *self;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    self = mp_obj_malloc(faxmodem_rawrx_obj_t, type);
    check(fm_raw_rx_init(&self->raw, (int) args[ARG_kind].u_int, (int) args[ARG_bit_rate].u_int),
          MP_ERROR_TEXT("bad modem or bit rate"));
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rawrx_rx(mp_obj_t self_in, mp_obj_t buf_in)
{
    faxmodem_rawrx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_READ);
    fm_raw_rx(&self->raw, (const int16_t *) b.buf, clamp_len(b.len / 2));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(rawrx_rx_obj, rawrx_rx);

static mp_obj_t rawrx_bits(mp_obj_t self_in)
{
    faxmodem_rawrx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    vstr_t vstr;
    int n = self->raw.count;

    vstr_init_len(&vstr, (size_t) n);
    fm_raw_rx_bits(&self->raw, (uint8_t *) vstr.buf, n);
    return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_1(rawrx_bits_obj, rawrx_bits);

static qstr status_name(int code)
{
    switch (code) {
    case FX_STATUS_CARRIER_UP:
        return MP_QSTR_carrier_up;
    case FX_STATUS_CARRIER_DOWN:
        return MP_QSTR_carrier_down;
    case FX_STATUS_TRAINING_OK:
        return MP_QSTR_training_ok;
    case FX_STATUS_TRAINING_FAILED:
        return MP_QSTR_training_failed;
    default:
        return MP_QSTR_unknown;
    }
}

static mp_obj_t rawrx_events(mp_obj_t self_in)
{
    faxmodem_rawrx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    int code;
    int32_t sample;

    while (fm_raw_rx_event(&self->raw, &code, &sample)) {
        mp_obj_t items[2] = {
            MP_OBJ_NEW_QSTR(status_name(code)), mp_obj_new_int(sample)
        };

        mp_obj_list_append(list, mp_obj_new_tuple(2, items));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(rawrx_events_obj, rawrx_events);

static mp_obj_t rawrx_stats(mp_obj_t self_in)
{
    faxmodem_rawrx_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t d = mp_obj_new_dict(3);

    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_level_dbm0),
                      MP_OBJ_NEW_SMALL_INT(fm_raw_rx_level_dbm0(&self->raw)));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_snr_db),
                      MP_OBJ_NEW_SMALL_INT(fm_raw_rx_snr_db(&self->raw)));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_lost_bits), mp_obj_new_int(self->raw.lost_bits));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(rawrx_stats_obj, rawrx_stats);

static const mp_rom_map_elem_t rawrx_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_rx), MP_ROM_PTR(&rawrx_rx_obj) },
    { MP_ROM_QSTR(MP_QSTR_bits), MP_ROM_PTR(&rawrx_bits_obj) },
    { MP_ROM_QSTR(MP_QSTR_events), MP_ROM_PTR(&rawrx_events_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&rawrx_stats_obj) },
};
static MP_DEFINE_CONST_DICT(rawrx_locals_dict, rawrx_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxmodem_rawrx_type,
    MP_QSTR_RawRx,
    MP_TYPE_FLAG_NONE,
    make_new, rawrx_make_new,
    locals_dict, &rawrx_locals_dict
    );

/* ---- ToneDetector ---- */

typedef struct _faxmodem_tonedet_obj_t {
    mp_obj_base_t base;
    tone_cadence_det_t det;
} faxmodem_tonedet_obj_t;

static mp_obj_t tonedet_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                                 const mp_obj_t *all_args)
{
    enum { ARG_freqs_hz, ARG_min_dbm0, ARG_min_share_pct };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_freqs_hz, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_min_dbm0, MP_ARG_INT, {.u_int = -40} },
        { MP_QSTR_min_share_pct, MP_ARG_INT, {.u_int = 40} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxmodem_tonedet_obj_t *self;
    int freqs[TONE_MAX_FREQS];
    size_t n;
    size_t i;
    mp_obj_t *items;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    mp_obj_get_array(args[ARG_freqs_hz].u_obj, &n, &items);
    if (n < 1 || n > TONE_MAX_FREQS) {
        mp_raise_ValueError(MP_ERROR_TEXT("1 to 4 frequencies"));
    }
    for (i = 0; i < n; i++) {
        freqs[i] = (int) mp_obj_get_int(items[i]);
    }
    if (args[ARG_min_share_pct].u_int < 1 || args[ARG_min_share_pct].u_int > 100) {
        mp_raise_ValueError(MP_ERROR_TEXT("min_share_pct must be 1 to 100"));
    }
    self = mp_obj_malloc(faxmodem_tonedet_obj_t, type);
    tone_cadence_init(&self->det, freqs, (int) n, (int) args[ARG_min_dbm0].u_int);
    fm_tone_min_share_pct(&self->det, (int) args[ARG_min_share_pct].u_int);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t tonedet_rx(mp_obj_t self_in, mp_obj_t buf_in)
{
    faxmodem_tonedet_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;

    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_READ);
    tone_cadence_rx(&self->det, (const int16_t *) b.buf, clamp_len(b.len / 2));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(tonedet_rx_obj, tonedet_rx);

static mp_obj_t tonedet_changes(mp_obj_t self_in)
{
    faxmodem_tonedet_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    int on;
    int32_t ms;

    while (tone_cadence_get(&self->det, &on, &ms)) {
        mp_obj_t items[2] = { mp_obj_new_bool(on), mp_obj_new_int(ms) };

        mp_obj_list_append(list, mp_obj_new_tuple(2, items));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tonedet_changes_obj, tonedet_changes);

static const mp_rom_map_elem_t tonedet_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_rx), MP_ROM_PTR(&tonedet_rx_obj) },
    { MP_ROM_QSTR(MP_QSTR_changes), MP_ROM_PTR(&tonedet_changes_obj) },
};
static MP_DEFINE_CONST_DICT(tonedet_locals_dict, tonedet_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxmodem_tonedet_type,
    MP_QSTR_ToneDetector,
    MP_TYPE_FLAG_NONE,
    make_new, tonedet_make_new,
    locals_dict, &tonedet_locals_dict
    );

/* ---- module ---- */

static const mp_rom_map_elem_t faxmodem_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_faxmodem) },
    { MP_ROM_QSTR(MP_QSTR_Modem), MP_ROM_PTR(&faxmodem_modem_type) },
    { MP_ROM_QSTR(MP_QSTR_RawTx), MP_ROM_PTR(&faxmodem_rawtx_type) },
    { MP_ROM_QSTR(MP_QSTR_RawRx), MP_ROM_PTR(&faxmodem_rawrx_type) },
    { MP_ROM_QSTR(MP_QSTR_ToneDetector), MP_ROM_PTR(&faxmodem_tonedet_type) },
    { MP_ROM_QSTR(MP_QSTR_SILENCE), MP_ROM_INT(FM_SILENCE) },
    { MP_ROM_QSTR(MP_QSTR_V21), MP_ROM_INT(FM_V21) },
    { MP_ROM_QSTR(MP_QSTR_V27TER), MP_ROM_INT(FM_V27TER) },
    { MP_ROM_QSTR(MP_QSTR_V29), MP_ROM_INT(FM_V29) },
    { MP_ROM_QSTR(MP_QSTR_V17), MP_ROM_INT(FM_V17) },
    { MP_ROM_QSTR(MP_QSTR_CNG), MP_ROM_INT(FM_CNG) },
    { MP_ROM_QSTR(MP_QSTR_CED), MP_ROM_INT(FM_CED) },
    { MP_ROM_QSTR(MP_QSTR_ANSAM), MP_ROM_INT(FM_ANSAM) },
    { MP_ROM_QSTR(MP_QSTR_DTMF), MP_ROM_INT(FM_DTMF) },
    { MP_ROM_QSTR(MP_QSTR_RX_OFF), MP_ROM_INT(FM_RX_OFF) },
    { MP_ROM_QSTR(MP_QSTR_RX_V21), MP_ROM_INT(FM_RX_V21) },
    { MP_ROM_QSTR(MP_QSTR_RX_FAST), MP_ROM_INT(FM_RX_FAST) },
    { MP_ROM_QSTR(MP_QSTR_EV_FRAME), MP_ROM_INT(FM_EV_FRAME) },
    { MP_ROM_QSTR(MP_QSTR_EV_CARRIER), MP_ROM_INT(FM_EV_CARRIER) },
    { MP_ROM_QSTR(MP_QSTR_EV_TRAINED), MP_ROM_INT(FM_EV_TRAINED) },
    { MP_ROM_QSTR(MP_QSTR_EV_DATA), MP_ROM_INT(FM_EV_DATA) },
    { MP_ROM_QSTR(MP_QSTR_EV_TONE), MP_ROM_INT(FM_EV_TONE) },
    { MP_ROM_QSTR(MP_QSTR_EV_TX_DONE), MP_ROM_INT(FM_EV_TX_DONE) },
};
static MP_DEFINE_CONST_DICT(faxmodem_module_globals, faxmodem_module_globals_table);

const mp_obj_module_t faxmodem_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *) &faxmodem_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_faxmodem, faxmodem_user_cmodule);
