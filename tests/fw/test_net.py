# The box's network task (faxbox/net.py) against a fake `network` module and a
# fake clock, and its SNTP client against a tiny SNTP server on loopback.
import asyncio
import socket
import struct

from faxbox import net

# WLAN.status() codes of the cyw43 driver (MicroPython docs, network.WLAN).
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3

# 2026-01-01T00:00:00Z: 56 years after 1970 with 14 leap days (1972..2024):
# (56 * 365 + 14) * 86400 = 1767225600 s; NTP counts from 1900, 2208988800 s earlier.
UNIX_2026 = 1767225600
NTP_2026 = UNIX_2026 + 2208988800


class Clock:
    def __init__(self):
        self.now = 0

    def ms(self):
        return self.now

    async def sleep_ms(self, ms):
        self.now += ms
        await asyncio.sleep(0.0005)


class FakeWLAN:
    """A station interface that joins `aps` (ssid -> password): an address
    500 ms after connect(), NO_AP_FOUND after 1000 ms, WRONG_PASSWORD after 300 ms."""

    def __init__(self, netmod):
        self.netmod = netmod
        self.clock = netmod.clock
        self.is_active = False
        self.connects = []  # (time_ms, ssid, password)
        self._target = None
        self._t0 = 0

    def active(self, on=None):
        if on is not None:
            self.is_active = on
            self.netmod.calls.append("active")
        return self.is_active

    def connect(self, ssid, password):
        self.connects.append((self.clock.now, ssid, password))
        self._target = (ssid, password)
        self._t0 = self.clock.now

    def disconnect(self):
        self._target = None

    def status(self):
        if self._target is None:
            return STAT_IDLE
        ssid, password = self._target
        t = self.clock.now - self._t0
        if ssid not in self.netmod.aps:
            return STAT_NO_AP_FOUND if t >= 1000 else STAT_CONNECTING
        if self.netmod.aps[ssid] != password:
            return STAT_WRONG_PASSWORD if t >= 300 else STAT_CONNECTING
        return STAT_GOT_IP if t >= 500 else STAT_CONNECTING

    def isconnected(self):
        return self.status() == STAT_GOT_IP

    def ifconfig(self):
        return ("192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1")


class FakeNetwork:
    STA_IF = 0

    def __init__(self, clock, aps):
        self.clock = clock
        self.aps = aps
        self.calls = []
        self.wlan = None

    def hostname(self, name):
        self.calls.append("hostname " + name)

    def country(self, code):
        self.calls.append("country " + code)

    def WLAN(self, iface):
        assert iface == self.STA_IF
        if self.wlan is None:
            self.wlan = FakeWLAN(self)
        return self.wlan


def _box(aps, **settings):
    clock = Clock()
    netmod = FakeNetwork(clock, aps)
    cfg = {"wifi_ssid": "office", "wifi_password": "s3cret", "ntp_host": ""}
    cfg.update(settings)
    log = []
    n = net.Net(netmod, cfg, sleep_ms=clock.sleep_ms, clock_ms=clock.ms, log=log.append)
    return n, netmod, clock, log


def _run(n, clock, until_ms, events=None):
    """Run the task until until_ms; events: {time_ms: fn()} applied once when due."""
    pending = dict(events or {})

    def stop():
        for t in sorted(pending):
            if clock.now >= t:
                pending.pop(t)()
        return clock.now >= until_ms
    asyncio.run(n.run(stop))


def test_joins_with_stored_credentials_and_hostname_first():
    n, netmod, clock, log = _box({"office": "s3cret"}, hostname="fax1", wifi_country="GB")

    _run(n, clock, 5000)

    assert netmod.calls[:3] == ["country GB", "hostname fax1", "active"]
    assert netmod.wlan.connects == [(0, "office", "s3cret")]
    assert n.status["state"] == net.STATE_UP
    assert n.status["ip"] == "192.168.1.50"
    assert n.status["attempts"] == 1


def test_missing_access_point_backs_off_exponentially():
    aps = {}
    n, netmod, clock, log = _box(aps)

    # The access point comes up at 12 s.
    _run(n, clock, 40000, {12000: lambda: aps.update({"office": "s3cret"})})

    # Each attempt fails 1000 ms after connect(); the waits after failures are
    # 1000, 2000, 4000, 8000 ms: attempts at 0, 1000+1000=2000, 3000+2000=5000,
    # 6000+4000=10000, 11000+8000=19000 (the AP is there by then).
    times = [c[0] for c in netmod.wlan.connects]
    assert times == [0, 2000, 5000, 10000, 19000]
    assert n.status["state"] == net.STATE_UP
    assert n.backoff_ms == net.FIRST_BACKOFF_MS
    assert any("access point not found" in line for line in log)


def test_backoff_is_capped():
    n, netmod, clock, log = _box({})

    _run(n, clock, 3000000)

    times = [c[0] for c in netmod.wlan.connects]
    gaps = [b - a - 1000 for a, b in zip(times, times[1:])]
    # 1 s doubling: 1, 2, 4, ..., 256 s, then the 300 s cap.
    assert gaps[:9] == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000]
    assert gaps[9:] and all(g == 300000 for g in gaps[9:])


def test_reconnects_after_a_drop():
    aps = {"office": "s3cret"}
    n, netmod, clock, log = _box(aps)

    def drop():
        netmod.wlan.disconnect()  # the access point restarted

    _run(n, clock, 20000, {10000: drop})

    times = [c[0] for c in netmod.wlan.connects]
    assert len(times) == 2
    # The link is checked every 2000 ms: the drop is seen within that.
    assert 10000 <= times[1] <= 10000 + net.CHECK_MS
    assert n.status["state"] == net.STATE_UP
    assert any("up -> down (link lost)" in line for line in log)


def test_changed_password_then_new_credentials():
    aps = {"office": "s3cret"}
    n, netmod, clock, log = _box(aps)

    def change_ap():
        aps["office"] = "n3w"
        netmod.wlan.disconnect()

    _run(n, clock, 30000, {5000: change_ap, 15000: lambda: n.set_credentials("office", "n3w")})

    assert n.status["state"] == net.STATE_UP
    assert netmod.wlan.connects[-1][2] == "n3w"
    assert any("wrong password" in line for line in log)
    assert all(c[2] == "s3cret" for c in netmod.wlan.connects[:-1])


def test_no_ssid_means_no_config_and_no_radio():
    n, netmod, clock, log = _box({}, wifi_ssid="")

    _run(n, clock, 1000)

    assert n.status["state"] == net.STATE_NO_CONFIG
    assert netmod.wlan is None


def test_sntp_request_and_reply_octets():
    req = net.sntp_request()
    # LI 0 (2 bits), VN 4 (3 bits), mode 3 (3 bits): 00 100 011 = 0x23.
    assert bytes(req) == b"\x23" + bytes(47)

    reply = bytearray(48)
    reply[0] = 0x24  # LI 0, VN 4, mode 4 (server)
    reply[1] = 2     # stratum 2
    struct.pack_into("!II", reply, 40, NTP_2026, 0x80000000)
    assert net.sntp_parse(reply) == UNIX_2026


def test_sntp_rejects_kiss_of_death_and_client_mode():
    reply = bytearray(48)
    reply[0] = 0x24
    reply[1] = 0  # stratum 0: kiss-o'-death
    struct.pack_into("!I", reply, 40, NTP_2026)
    for pkt in (reply, b"\x23" + bytes(47), bytes(20)):
        try:
            net.sntp_parse(pkt)
        except ValueError:
            pass
        else:
            assert False, "accepted %r" % bytes(pkt[:2])


class SntpServer:
    """Answers SNTP requests on 127.0.0.1 with a fixed time (or stratum 0)."""

    def __init__(self, stratum=1):
        self.stratum = stratum
        self.requests = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.port = 0
        for port in range(40123, 40223):  # MicroPython has no getsockname()
            try:
                self.sock.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
                self.port = port
                break
            except OSError:
                pass
        assert self.port
        self.sock.setblocking(False)

    async def serve(self, stop):
        while not stop():
            try:
                data, addr = self.sock.recvfrom(64)
            except OSError:
                await asyncio.sleep(0.0005)
                continue
            self.requests.append(bytes(data))
            reply = bytearray(48)
            reply[0] = 0x24
            reply[1] = self.stratum
            struct.pack_into("!II", reply, 40, NTP_2026, 0)
            self.sock.sendto(reply, addr)
        self.sock.close()


def _with_sntp(stratum, until_ms):
    srv = SntpServer(stratum)
    clock = Clock()
    netmod = FakeNetwork(clock, {"office": "s3cret"})
    times = []
    log = []
    n = net.Net(netmod, {"wifi_ssid": "office", "wifi_password": "s3cret",
                         "ntp_host": "127.0.0.1"},
                sleep_ms=clock.sleep_ms, clock_ms=clock.ms, set_time=times.append,
                socket_mod=socket, log=log.append, ntp_port=srv.port)

    async def both():
        done = []
        server = asyncio.create_task(srv.serve(lambda: bool(done)))
        await n.run(lambda: clock.now >= until_ms)
        done.append(1)
        await server
    asyncio.run(both())
    return n, srv, times, log


def test_time_is_set_from_a_loopback_sntp_server():
    n, srv, times, log = _with_sntp(1, 10000)

    assert times == [UNIX_2026]
    assert n.status["time_synced"] is True
    assert srv.requests[0][0] == 0x23 and len(srv.requests[0]) == 48


def test_unsynchronised_server_is_not_believed_and_retried():
    n, srv, times, log = _with_sntp(0, 70000)

    assert times == []
    assert n.status["time_synced"] is False
    # Asked once at the link's start and again after NTP_RETRY_MS (60 s).
    assert len(srv.requests) == 2
    assert any("not synchronised" in line for line in log)
