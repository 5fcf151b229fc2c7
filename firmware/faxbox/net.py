# The box's network: Wi-Fi from the stored credentials, reconnection with
# exponential backoff, the hostname, and the time from an SNTP server.
#
# One asyncio task (Net.run) owns the WLAN interface. The Pico W's cyw43 driver
# does not reconnect by itself (it has no `reconnects` option, unlike esp32):
# when the link drops or the access point changes or restarts, this task notices
# it through `isconnected()` and connects again, waiting first_backoff_ms, then
# twice as long after every failed attempt up to max_backoff_ms.
#
# Hardware and time are injected: the `network` module (a fake one in the
# tests), the millisecond clock and the async sleep, the function that sets the
# RTC, and the socket module the SNTP client uses. Net.status is one small
# dict the LED and the status page read; it is updated in place.
#
# Hostname and mDNS: the name is set with network.hostname() before the
# interface comes up. MicroPython's rp2 build starts lwIP's mDNS responder, so
# the box answers as "<hostname>.local" on the LAN; nothing here has to run
# for that.
#
# SNTP: RFC 4330 (SNTPv4), client side of §4-§5.
import struct
import time

from micropython import const

# Settings this module reads, with their defaults. They sit in the box's
# config.json next to the faxbox.config settings; main.py separates them.
NET_DEFAULTS = {
    "wifi_ssid": "",
    "wifi_password": "",
    # Two-letter country code for the Wi-Fi regulatory domain ("" keeps the
    # firmware's default).
    "wifi_country": "",
    "hostname": "picofax",
    # SNTP server; empty: the time is never set (HTTPS certificate dates and
    # the faxes' date_created then count from the board's power-up).
    "ntp_host": "pool.ntp.org",
    "ntp_interval_s": 3600,
}

# Status states, shown by the LED and the status page.
STATE_NO_CONFIG = "no-config"   # no SSID stored: nothing to connect to
STATE_CONNECTING = "connecting"
STATE_UP = "up"
STATE_DOWN = "down"             # last attempt failed; waiting to retry

# network.WLAN.status() codes (MicroPython docs, network.WLAN; the cyw43 values).
_STAT_GOT_IP = const(3)
_STAT_WRONG_PASSWORD = const(-3)
_STAT_NO_AP_FOUND = const(-2)
_STAT_CONNECT_FAIL = const(-1)

# Time an attempt may take from connect() to an address.
CONNECT_TIMEOUT_MS = const(20000)
# How often the attempt's progress and then the link are polled.
POLL_MS = const(250)
CHECK_MS = const(2000)
# Backoff between failed attempts: doubles from the first to the cap.
FIRST_BACKOFF_MS = const(1000)
MAX_BACKOFF_MS = const(300000)
# Retry of a failed time sync while the link is up.
NTP_RETRY_MS = const(60000)

# SNTP (RFC 4330 §4): 48-octet message; seconds from 1900 to 1970.
_NTP_PORT = const(123)
_NTP_PACKET_OCTETS = const(48)
_NTP_DELTA_S = 2208988800
_NTP_TIMEOUT_MS = const(2000)
_NTP_RECV_POLL_MS = const(20)


def _status_name(code):
    if code == _STAT_WRONG_PASSWORD:
        return "wrong password"
    if code == _STAT_NO_AP_FOUND:
        return "access point not found"
    if code == _STAT_CONNECT_FAIL:
        return "connection failed"
    return "status %d" % code


def sntp_request():
    """The client's request (RFC 4330 §5): LI 0, VN 4, Mode 3 (client) in the
    first octet = 0b00_100_011 = 0x23; every other field zero."""
    pkt = bytearray(_NTP_PACKET_OCTETS)
    pkt[0] = 0x23
    return pkt


def sntp_parse(pkt):
    """Unix seconds from a server's reply, or raise ValueError (RFC 4330 §5:
    the reply must be mode 4 (server), stratum 1..15, LI not 3 (clock not
    synchronised), and carry a non-zero Transmit Timestamp, octets 40-47)."""
    if len(pkt) < _NTP_PACKET_OCTETS:
        raise ValueError("short SNTP reply")
    li = pkt[0] >> 6
    mode = pkt[0] & 7
    stratum = pkt[1]
    if mode != 4:
        raise ValueError("SNTP reply mode %d" % mode)
    if li == 3 or stratum == 0 or stratum > 15:
        # Stratum 0 is a kiss-o'-death message (RFC 4330 §8).
        raise ValueError("SNTP server not synchronised (LI %d, stratum %d)" % (li, stratum))
    secs, frac = struct.unpack_from("!II", pkt, 40)
    if secs == 0 and frac == 0:
        raise ValueError("SNTP reply without a transmit time")
    return secs - _NTP_DELTA_S


async def sntp_time(socket_mod, host, sleep_ms, clock_ms, port=_NTP_PORT,
                    timeout_ms=_NTP_TIMEOUT_MS):
    """Ask `host` for the time; unix seconds. Non-blocking, so the other
    tasks run while the reply is awaited. OSError on timeout."""
    addr = socket_mod.getaddrinfo(host, port)[0][-1]
    s = socket_mod.socket(socket_mod.AF_INET, socket_mod.SOCK_DGRAM)
    try:
        s.setblocking(False)
        s.sendto(sntp_request(), addr)
        start = clock_ms()
        while True:
            try:
                data = s.recvfrom(_NTP_PACKET_OCTETS)[0]
                return sntp_parse(data)
            except OSError:
                # EAGAIN (lwIP ports and unix alike): nothing yet.
                pass
            if _elapsed(clock_ms(), start) >= timeout_ms:
                raise OSError("no SNTP reply from %s" % host)
            await sleep_ms(_NTP_RECV_POLL_MS)
    finally:
        s.close()


def _elapsed(now, start):
    diff = getattr(time, "ticks_diff", None)
    if diff is not None:
        return diff(now, start)
    return now - start


def _later(now, delta_ms):
    add = getattr(time, "ticks_add", None)
    if add is not None:
        return add(now, delta_ms)
    return now + delta_ms


def _default_sleep_ms():
    import asyncio
    return asyncio.sleep_ms


def _default_clock_ms():
    return getattr(time, "ticks_ms", None) or (lambda: int(time.time() * 1000))


class Net:
    """Wi-Fi and time for the box. `settings` is a dict (or object) with the
    NET_DEFAULTS keys; `set_time(unix_s)` sets the RTC."""

    def __init__(self, network, settings, sleep_ms=None, clock_ms=None,
                 set_time=None, socket_mod=None, log=print, ntp_port=_NTP_PORT):
        self.network = network
        self.sleep_ms = sleep_ms or _default_sleep_ms()
        self.clock_ms = clock_ms or _default_clock_ms()
        self.set_time = set_time
        self.socket_mod = socket_mod
        self.log = log
        self.ntp_port = ntp_port
        self.settings = {}
        for key in NET_DEFAULTS:
            if isinstance(settings, dict):
                self.settings[key] = settings.get(key, NET_DEFAULTS[key])
            else:
                self.settings[key] = getattr(settings, key, NET_DEFAULTS[key])
        self.wlan = None
        self.backoff_ms = FIRST_BACKOFF_MS
        self._reconfigure = False
        self.status = {"state": STATE_CONNECTING, "ip": "", "ssid": self.settings["wifi_ssid"],
                       "attempts": 0, "error": "", "time_synced": False,
                       "hostname": self.settings["hostname"]}

    def state(self):
        return self.status["state"]

    def set_credentials(self, ssid, password):
        """New Wi-Fi credentials: the running task drops the link and joins."""
        self.settings["wifi_ssid"] = ssid
        self.settings["wifi_password"] = password
        self.status["ssid"] = ssid
        self._reconfigure = True

    def _set(self, state, error=None):
        if state != self.status["state"]:
            self.log("net: %s -> %s%s" % (self.status["state"], state,
                                          (" (%s)" % error) if error else ""))
        self.status["state"] = state
        if error is not None:
            self.status["error"] = error

    def _bring_up(self):
        net = self.network
        if self.settings["wifi_country"] and hasattr(net, "country"):
            net.country(self.settings["wifi_country"])
        if self.settings["hostname"] and hasattr(net, "hostname"):
            # network.hostname() must be set before the interface is up.
            net.hostname(self.settings["hostname"])
        self.wlan = net.WLAN(net.STA_IF)
        self.wlan.active(True)

    async def connect_once(self):
        """One attempt to join the stored network; True when it has an address."""
        ssid = self.settings["wifi_ssid"]
        self.status["attempts"] += 1
        self._set(STATE_CONNECTING)
        self.wlan.connect(ssid, self.settings["wifi_password"])
        start = self.clock_ms()
        while True:
            if self.wlan.isconnected():
                self.status["ip"] = self.wlan.ifconfig()[0]
                self.status["error"] = ""
                self._set(STATE_UP)
                return True
            code = self.wlan.status()
            if code < 0:
                self.wlan.disconnect()
                self._set(STATE_DOWN, _status_name(code))
                return False
            if _elapsed(self.clock_ms(), start) >= CONNECT_TIMEOUT_MS:
                self.wlan.disconnect()
                self._set(STATE_DOWN, "no address after %d ms" % CONNECT_TIMEOUT_MS)
                return False
            await self.sleep_ms(POLL_MS)

    async def sync_time(self):
        """Set the clock from the SNTP server; True on success."""
        host = self.settings["ntp_host"]
        if not host or self.socket_mod is None:
            return False
        try:
            unix_s = await sntp_time(self.socket_mod, host, self.sleep_ms, self.clock_ms,
                                     port=self.ntp_port)
        except (OSError, ValueError) as e:
            self.log("net: time from %s failed: %s" % (host, e))
            return False
        if self.set_time is not None:
            self.set_time(unix_s)
        self.status["time_synced"] = True
        self.log("net: time set from %s" % host)
        return True

    async def run(self, stop=None):
        """The network task. `stop()` (tests) ends it when it returns True."""
        if not self.settings["wifi_ssid"]:
            self._set(STATE_NO_CONFIG, "no Wi-Fi network configured")
            return
        self._bring_up()
        next_ntp_ms = None
        while stop is None or not stop():
            if self._reconfigure:
                self._reconfigure = False
                self.wlan.disconnect()
                self.backoff_ms = FIRST_BACKOFF_MS
            if not self.wlan.isconnected():
                if self.status["state"] == STATE_UP:
                    self._set(STATE_DOWN, "link lost")
                    self.status["ip"] = ""
                if await self.connect_once():
                    self.backoff_ms = FIRST_BACKOFF_MS
                    next_ntp_ms = self.clock_ms()
                else:
                    await self.sleep_ms(self.backoff_ms)
                    self.backoff_ms = min(self.backoff_ms * 2, MAX_BACKOFF_MS)
                    continue
            now = self.clock_ms()
            if next_ntp_ms is not None and _elapsed(now, next_ntp_ms) >= 0:
                if await self.sync_time():
                    next_ntp_ms = _later(now, self.settings["ntp_interval_s"] * 1000)
                else:
                    next_ntp_ms = _later(now, NTP_RETRY_MS)
            await self.sleep_ms(CHECK_MS)
