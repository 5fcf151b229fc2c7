"""twilio-python 6.63.2, the last release line with the Fax API, pointed at
the box: create, fetch, list, cancel and delete work through its own models,
and its RequestValidator accepts every callback the box signed."""
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from test_api import ACCOUNT, TOKEN, BoxServer, CallbackReceiver, MediaServer, wait_for


@pytest.fixture
def rig(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    box = BoxServer(tmp_path / "data")
    media = MediaServer()
    rx = CallbackReceiver()
    client = Client(ACCOUNT, TOKEN)
    client.fax.base_url = box.base  # the Fax domain's host (rest/fax/__init__.py)
    yield box, media, rx, client
    rx.close()
    media.close()
    box.close()


def test_create_fetch_list_with_twilio_client(rig):
    box, media, rx, client = rig

    fax = client.fax.v1.faxes.create(to="+15551230001", media_url=media.url,
                                     from_="+15550009", quality="standard",
                                     status_callback=rx.url, store_media=True, ttl=30)
    wait_for(lambda: len(rx.statuses(fax.sid)) == 4, "four callbacks")
    got = client.fax.v1.faxes(fax.sid).fetch()
    listed = client.fax.v1.faxes.list(to="+15551230001", limit=10)

    assert fax.status == "queued" and fax.direction == "outbound"
    assert fax.quality == "standard" and fax.api_version == "v1"
    assert fax.date_created.year >= 2024 and fax.date_created.tzinfo is not None
    assert (got.status, got.num_pages, got.duration) == ("delivered", 2, 33)
    assert got.links == {"media": box.base + "/v1/Faxes/" + fax.sid + "/Media"}
    assert [f.sid for f in listed] == [fax.sid]
    assert rx.statuses(fax.sid) == ["queued", "processing", "sending", "delivered"]
    assert rx.all_valid()


def test_fax_media_with_twilio_client(rig):
    box, media, rx, client = rig
    fax = client.fax.v1.faxes.create(to="+15551230001", media_url=media.url,
                                     status_callback=rx.url)
    wait_for(lambda: "delivered" in rx.statuses(fax.sid), "delivered")

    items = client.fax.v1.faxes(fax.sid).media.list()
    one = client.fax.v1.faxes(fax.sid).media(fax.media_sid).fetch()
    deleted = client.fax.v1.faxes(fax.sid).media(fax.media_sid).delete()
    left = client.fax.v1.faxes(fax.sid).media.list()

    assert [m.sid for m in items] == [fax.media_sid]
    assert (one.fax_sid, one.content_type) == (fax.sid, "application/pdf")
    assert deleted is True and left == []


def test_list_pages_through_next_page_url(rig):
    box, media, rx, client = rig
    sids = [client.fax.v1.faxes.create(to="+1555123000%d" % i, media_url=media.url).sid
            for i in range(1, 6)]

    got = [f.sid for f in client.fax.v1.faxes.stream(page_size=2)]

    assert got == sids[::-1]


def test_cancel_and_delete_with_twilio_client(rig):
    box, media, rx, client = rig
    box.fax.hold = True
    first = client.fax.v1.faxes.create(to="+15551230001", media_url=media.url,
                                       status_callback=rx.url)
    wait_for(lambda: "sending" in rx.statuses(first.sid), "first fax sending")
    second = client.fax.v1.faxes.create(to="+15551230002", media_url=media.url,
                                        status_callback=rx.url)

    canceled = client.fax.v1.faxes(second.sid).update(status="canceled")
    box.fax.hold = False
    wait_for(lambda: "delivered" in rx.statuses(first.sid), "first fax delivered")
    with pytest.raises(TwilioRestException) as too_late:
        client.fax.v1.faxes(first.sid).update(status="canceled")
    deleted = client.fax.v1.faxes(first.sid).delete()
    with pytest.raises(TwilioRestException) as gone:
        client.fax.v1.faxes(first.sid).fetch()

    assert canceled.status == "canceled"
    assert too_late.value.status == 400 and too_late.value.code == 20001
    assert deleted is True
    assert gone.value.status == 404 and gone.value.code == 20404
    assert rx.statuses(second.sid) == ["queued", "canceled"]
    assert rx.all_valid()


def test_wrong_credentials_raise_20003(rig):
    box, media, rx, _ = rig
    bad = Client(ACCOUNT, TOKEN + "-wrong")
    bad.fax.base_url = box.base

    with pytest.raises(TwilioRestException) as ei:
        bad.fax.v1.faxes.create(to="+15551230001", media_url=media.url)

    assert ei.value.status == 401 and ei.value.code == 20003


def test_validator_rejects_a_tampered_callback(rig):
    box, media, rx, client = rig
    fax = client.fax.v1.faxes.create(to="+15551230001", media_url=media.url,
                                     status_callback=rx.url)
    wait_for(lambda: len(rx.statuses(fax.sid)) == 4, "four callbacks")
    url, form, sig = rx.got[-1]

    form = dict(form, FaxStatus="failed")

    assert RequestValidator(TOKEN).validate(url, rx.got[-1][1], sig)
    assert not RequestValidator(TOKEN).validate(url, form, sig)


def test_received_fax_with_twilio_client(rig):
    from test_inbound import RxOutcome, on_loop, write_pages, PAGES
    box, media, rx, client = rig
    job = on_loop(box, box.box.inbound_started, "+15550100", "+15550199")
    write_pages(job["spool_dir"])
    on_loop(box, box.box.inbound_finished, job, RxOutcome("received", tsi="TSI"))

    got = client.fax.v1.faxes(job["sid"]).fetch()
    media_list = client.fax.v1.faxes(job["sid"]).media.list()
    inbound = client.fax.v1.faxes.list(from_="+15550100")

    assert (got.direction, got.status, got.num_pages) == ("inbound", "received", len(PAGES))
    assert [m.content_type for m in media_list] == ["application/pdf"]
    assert media_list[0].fax_sid == job["sid"]
    assert [f.sid for f in inbound] == [job["sid"]]
