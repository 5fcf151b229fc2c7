/*
 * mp_faxt4.c - MicroPython user C module `faxt4`: the T.4/T.6 row codec of t4/.
 *
 * Same Python API as the CPython extension (py_faxt4.c); see the README. Each
 * coder keeps its changing-element lists in one GC block allocated at construction
 * (4 * (width + 4) octets) and allocates nothing afterwards.
 */
#include "py/obj.h"
#include "py/runtime.h"

#include "t4.h"

typedef struct _faxt4_encoder_obj_t {
    mp_obj_base_t base;
    uint16_t *work;         /* head of the GC block; keeps it alive */
    t4_enc_state_t st;
} faxt4_encoder_obj_t;

typedef struct _faxt4_decoder_obj_t {
    mp_obj_base_t base;
    uint16_t *work;
    t4_dec_state_t st;      /* holds the T4_RING_OCTETS input ring */
} faxt4_decoder_obj_t;

static void check_width(mp_int_t width)
{
    if (width < 1 || width > T4_MAX_WIDTH_PELS) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad width"));
    }
}

static void check_row(const mp_buffer_info_t *b, int width)
{
    if (b->len < (size_t) ((width + 7) / 8)) {
        mp_raise_ValueError(MP_ERROR_TEXT("row buffer shorter than the width"));
    }
}

static int clamp_len(size_t len)
{
    return len > 0x7FFFFFFF ? 0x7FFFFFFF : (int) len;
}

/* ---- Encoder ---- */

static mp_obj_t encoder_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                                 const mp_obj_t *all_args)
{
    enum { ARG_width, ARG_coding, ARG_k, ARG_min_row_bits };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_width, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_coding, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_k, MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_min_row_bits, MP_ARG_INT, {.u_int = 0} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxt4_encoder_obj_t *self;
    int width;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    check_width(args[ARG_width].u_int);
    width = (int) args[ARG_width].u_int;
    self = mp_obj_malloc(faxt4_encoder_obj_t, type);
    self->work = m_new(uint16_t, T4_WORK_WORDS(width));
    if (t4_enc_init(&self->st, width, (int) args[ARG_coding].u_int, (int) args[ARG_k].u_int,
                    (int) args[ARG_min_row_bits].u_int, self->work,
                    T4_WORK_WORDS(width)) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad coding, k or min_row_bits"));
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t encoder_encode(mp_obj_t self_in, mp_obj_t row_in, mp_obj_t out_in)
{
    faxt4_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t row;
    mp_buffer_info_t out;
    int n;

    mp_get_buffer_raise(row_in, &row, MP_BUFFER_READ);
    mp_get_buffer_raise(out_in, &out, MP_BUFFER_WRITE);
    check_row(&row, self->st.width);
    n = t4_enc_row(&self->st, row.buf, out.buf, clamp_len(out.len));
    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("out buffer smaller than max_row_octets()"));
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_3(encoder_encode_obj, encoder_encode);

static mp_obj_t encoder_finish(mp_obj_t self_in, mp_obj_t out_in)
{
    faxt4_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t out;
    int n;

    mp_get_buffer_raise(out_in, &out, MP_BUFFER_WRITE);
    n = t4_enc_finish(&self->st, out.buf, clamp_len(out.len));
    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("out buffer smaller than max_row_octets()"));
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(encoder_finish_obj, encoder_finish);

static mp_obj_t encoder_reset(mp_obj_t self_in)
{
    faxt4_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    t4_enc_restart(&self->st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(encoder_reset_obj, encoder_reset);

static void encoder_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    faxt4_encoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_rows) {
        dest[0] = mp_obj_new_int(self->st.rows);
        return;
    }
    /* Anything else: carry on with the methods in locals_dict. */
    dest[1] = MP_OBJ_SENTINEL;
}

static const mp_rom_map_elem_t encoder_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_encode), MP_ROM_PTR(&encoder_encode_obj) },
    { MP_ROM_QSTR(MP_QSTR_finish), MP_ROM_PTR(&encoder_finish_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&encoder_reset_obj) },
};
static MP_DEFINE_CONST_DICT(encoder_locals_dict, encoder_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxt4_encoder_type,
    MP_QSTR_Encoder,
    MP_TYPE_FLAG_NONE,
    make_new, encoder_make_new,
    attr, encoder_attr,
    locals_dict, &encoder_locals_dict
    );

/* ---- Decoder ---- */

static mp_obj_t decoder_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                                 const mp_obj_t *all_args)
{
    enum { ARG_width, ARG_coding, ARG_fill_order };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_width, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_coding, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_fill_order, MP_ARG_INT, {.u_int = 2} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    faxt4_decoder_obj_t *self;
    int width;

    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
                              allowed_args, args);
    check_width(args[ARG_width].u_int);
    width = (int) args[ARG_width].u_int;
    self = mp_obj_malloc(faxt4_decoder_obj_t, type);
    self->work = m_new(uint16_t, T4_WORK_WORDS(width));
    if (t4_dec_init(&self->st, width, (int) args[ARG_coding].u_int,
                    (int) args[ARG_fill_order].u_int, self->work,
                    T4_WORK_WORDS(width)) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad coding or fill_order"));
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t decoder_feed(mp_obj_t self_in, mp_obj_t data_in)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t data;

    mp_get_buffer_raise(data_in, &data, MP_BUFFER_READ);
    return MP_OBJ_NEW_SMALL_INT(t4_dec_feed(&self->st, data.buf, clamp_len(data.len)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(decoder_feed_obj, decoder_feed);

static mp_obj_t decoder_row(mp_obj_t self_in, mp_obj_t row_in)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t row;

    mp_get_buffer_raise(row_in, &row, MP_BUFFER_WRITE);
    check_row(&row, self->st.width);
    return mp_obj_new_bool(t4_dec_row(&self->st, row.buf));
}
static MP_DEFINE_CONST_FUN_OBJ_2(decoder_row_obj, decoder_row);

static mp_obj_t decoder_end(mp_obj_t self_in)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return mp_obj_new_bool(t4_dec_ended(&self->st));
}
static MP_DEFINE_CONST_FUN_OBJ_1(decoder_end_obj, decoder_end);

static mp_obj_t decoder_free(mp_obj_t self_in)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    return MP_OBJ_NEW_SMALL_INT(t4_dec_free(&self->st));
}
static MP_DEFINE_CONST_FUN_OBJ_1(decoder_free_obj, decoder_free);

static mp_obj_t decoder_reset(mp_obj_t self_in)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    t4_dec_restart(&self->st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(decoder_reset_obj, decoder_reset);

static void decoder_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    faxt4_decoder_obj_t *self = MP_OBJ_TO_PTR(self_in);

    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_bad_rows) {
        dest[0] = mp_obj_new_int(self->st.bad_rows);
        return;
    }
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_rows) {
        dest[0] = mp_obj_new_int(self->st.rows);
        return;
    }
    dest[1] = MP_OBJ_SENTINEL;
}

static const mp_rom_map_elem_t decoder_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_feed), MP_ROM_PTR(&decoder_feed_obj) },
    { MP_ROM_QSTR(MP_QSTR_row), MP_ROM_PTR(&decoder_row_obj) },
    { MP_ROM_QSTR(MP_QSTR_end), MP_ROM_PTR(&decoder_end_obj) },
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&decoder_free_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&decoder_reset_obj) },
};
static MP_DEFINE_CONST_DICT(decoder_locals_dict, decoder_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    faxt4_decoder_type,
    MP_QSTR_Decoder,
    MP_TYPE_FLAG_NONE,
    make_new, decoder_make_new,
    attr, decoder_attr,
    locals_dict, &decoder_locals_dict
    );

/* ---- module ---- */

static mp_obj_t faxt4_max_row_octets(size_t n_args, const mp_obj_t *args)
{
    mp_int_t width = mp_obj_get_int(args[0]);
    mp_int_t min_row_bits = (n_args > 1) ? mp_obj_get_int(args[1]) : 0;

    check_width(width);
    if (min_row_bits < 0 || min_row_bits > 65535) {
        mp_raise_ValueError(MP_ERROR_TEXT("bad min_row_bits"));
    }
    return MP_OBJ_NEW_SMALL_INT(t4_enc_max_octets((int) width, (int) min_row_bits));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(faxt4_max_row_octets_obj, 1, 2, faxt4_max_row_octets);

static const mp_rom_map_elem_t faxt4_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_faxt4) },
    { MP_ROM_QSTR(MP_QSTR_Encoder), MP_ROM_PTR(&faxt4_encoder_type) },
    { MP_ROM_QSTR(MP_QSTR_Decoder), MP_ROM_PTR(&faxt4_decoder_type) },
    { MP_ROM_QSTR(MP_QSTR_max_row_octets), MP_ROM_PTR(&faxt4_max_row_octets_obj) },
    { MP_ROM_QSTR(MP_QSTR_MH), MP_ROM_INT(T4_CODING_MH) },
    { MP_ROM_QSTR(MP_QSTR_MR), MP_ROM_INT(T4_CODING_MR) },
    { MP_ROM_QSTR(MP_QSTR_MMR), MP_ROM_INT(T4_CODING_MMR) },
    { MP_ROM_QSTR(MP_QSTR_RING_OCTETS), MP_ROM_INT(T4_RING_OCTETS) },
};
static MP_DEFINE_CONST_DICT(faxt4_module_globals, faxt4_module_globals_table);

const mp_obj_module_t faxt4_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *) &faxt4_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_faxt4, faxt4_user_cmodule);
