"""picofax.render: PDF -> multi-page G4 fax TIFF. PDFs are made here with Pillow
(one bitmap per page at a known resolution), so where each mark must land on the fax
page is known in millimetres; rendering smooths edges, so positions are checked to
within EDGE_PELS."""
import numpy as np
import pytest
from PIL import Image

from picofax import render

EDGE_PELS = 3


def make_pdf(path, pages, dpi=150):
    """pages: list of bool arrays (True = black) drawn at `dpi`."""
    ims = [Image.fromarray(~b).convert("1") for b in pages]
    ims[0].save(path, save_all=True, append_images=ims[1:], resolution=dpi)


def tiff_pages(path):
    im = Image.open(path)
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        tags = {k: im.tag_v2.get(k) for k in (256, 258, 259, 282, 283, 296)}
        out.append((tags, ~np.array(im.convert("1"))))
    return out


def a4_page():
    # A4 at 150 dpi: 1240 x 1754 pels = 595.2 x 841.9 pt. A block at x 300..599,
    # y 400..699 and a 1-pel rule (0.17 mm) across at y = 1000.
    b = np.zeros((1754, 1240), bool)
    b[400:700, 300:600] = True
    b[1000, 100:1100] = True
    return b


def letter_landscape_page():
    # Letter landscape at 150 dpi: 1650 x 1275 (11 x 8.5 in); a block at the top left.
    b = np.zeros((1275, 1650), bool)
    b[50:250, 50:350] = True
    return b


def test_tags_and_geometry(tmp_path):
    pdf = tmp_path / "a.pdf"
    make_pdf(pdf, [a4_page(), letter_landscape_page()])
    out = tmp_path / "a.tif"

    n = render.render_pdf(str(pdf), str(out), "fine")

    pages = tiff_pages(out)
    assert n == 2 and len(pages) == 2
    for tags, _ in pages:
        assert tags[256] == 1728 and tags[258] in (1, (1,)) and tags[259] == 4  # G4
        assert (float(tags[282]), float(tags[283]), tags[296]) == (204.0, 196.0, 2)
    # A4: 595.2 pt * 204 / 72 = 1686.4 -> 1686 pels, centred at (1728 - 1686) / 2 = 21;
    # 841.9 pt * 196 / 72 = 2291.9 -> 2292 rows.
    _, a4 = pages[0]
    assert a4.shape == (2292, 1728)
    # block: x 300 / 150 in * 204 = 408 (+21 = 429) .. 600 -> 816 (+21 = 837);
    # rows 400 / 150 * 196 = 522.7 .. 700 / 150 * 196 = 914.7
    e = EDGE_PELS
    assert a4[523 + e:914 - e, 429 + e:837 - e].all()
    assert not a4[:523 - e].any(axis=1)[:400].any()
    assert not a4[523 - e - 20:914 + e + 20, 837 + e:].any()
    # the 1-pel rule at y = 1000 / 150 * 196 = 1306.7 survives
    assert a4[1300:1314, 500:1000].any(axis=0).all()


def test_landscape_turned_to_portrait_and_fitted(tmp_path):
    pdf = tmp_path / "l.pdf"
    make_pdf(pdf, [letter_landscape_page()])
    out = tmp_path / "l.tif"

    render.render_pdf(str(pdf), str(out), "standard")

    (tags, page), = tiff_pages(out)
    # Portrait Letter is 612 pt wide: 612 * 204 / 72 = 1734 > 1728, so the scale is
    # 1728 / 612 pels per pt; 792 pt -> 792 * 1728 / 612 * 98 / 204 = 1074.2 rows.
    assert float(tags[283]) == 98.0
    assert page.shape == (1074, 1728)
    # A quarter turn counter-clockwise: the landscape top-left block (x 50..349,
    # y 50..249 of 1650 x 1275) ends at the bottom left: portrait x = y, portrait
    # y = 1650 - x. In pels: x 50 / 150 * 72 * 1728 / 612 = 67.8 .. 250 -> 338.8;
    # rows (1650 - 350) / 150 * 72 * 1728 / 612 * 98 / 204 = 845.9 .. 1600 -> 1041.
    e = EDGE_PELS
    assert page[846 + e:1041 - e, 68 + e:339 - e].all()
    assert not page[:846 - e].any()
    assert not page[:, 339 + e:].any()


def test_page_selection_and_standard(tmp_path):
    pdf = tmp_path / "s.pdf"
    make_pdf(pdf, [a4_page(), np.zeros((1754, 1240), bool), a4_page()])
    out = tmp_path / "s.tif"

    n = render.render_pdf(str(pdf), str(out), "standard", pages=range(1, 3))

    pages = tiff_pages(out)
    assert n == 2
    assert not pages[0][1].any()  # the blank page
    # 841.9 pt * 98 / 72 = 1145.9 -> 1146 rows; the 1-pel rule still shows at
    # 1000 / 150 * 98 = 653.3
    assert pages[1][1].shape == (1146, 1728)
    assert pages[1][1][650:657, 500:1000].any(axis=0).all()
    with pytest.raises(render.RenderError):
        render.render_pdf(str(pdf), str(out), "fine", pages=[3])  # 0-based


def test_not_a_pdf(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf at all")

    with pytest.raises(render.RenderError):
        render.render_pdf(str(bad), str(tmp_path / "x.tif"))
    assert not (tmp_path / "x.tif").exists()


def test_real_text_pdf_renders_and_goes_through_the_box(tmp_path):
    # The demo document: 5 Letter pages of text. The box takes the rendered TIFF as
    # it is: every spooled row equals the TIFF row (1:1 at fine).
    from faxbox import document, spool
    from picofax import corpus

    out = tmp_path / "t.tif"
    n = render.render_pdf(corpus.fetch(corpus.DEMO_DOCUMENT), str(out), "fine")
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()

    assert document.prepare(str(out), str(spool_dir), "fine") == n == 5

    for i, (tags, page) in enumerate(tiff_pages(out)):
        assert page.shape == (2149, 1728)  # 792 pt * 1728 / 612 * 196 / 204
        assert page.mean() > 0.01  # text, not a blank page
        rd = spool.PageReader(spool.page_path(str(spool_dir), i + 1))
        rows = np.array([np.unpackbits(np.frombuffer(bytes(r), np.uint8))
                         for r in rd.rows()], bool)
        assert (rows == page).all()
