"""The sim box rig shared by the end-to-end tests: the box in its own process
(`picofax sim`) wired to one kind of far end, a media server and a callback receiver
on loopback, and the fax sent through the HTTP API as a Twilio client would."""
import re
import secrets

import requests

from picofax import demo

FINAL = ("delivered", "failed", "busy", "no-answer", "canceled")


class SimRig:
    def __init__(self, tmp_path, far, noise_dbm0=-60.0, country=None, page_header=False):
        self.sid_acct = "AC" + secrets.token_hex(16)
        self.token = secrets.token_hex(16)
        self.media_dir = tmp_path / "media"
        self.rx_dir = tmp_path / "received"
        self.media_dir.mkdir()
        self.media_srv, self.media_base = demo.serve_media(str(self.media_dir))
        self.cb = demo.CallbackReceiver(self.token)
        self.box = demo.BoxProcess(str(tmp_path / "data"), str(self.rx_dir), self.sid_acct,
                                   self.token, far=far, noise_dbm0=noise_dbm0,
                                   log_path=str(tmp_path / "box.log"), country=country,
                                   page_header=page_header)

    def send(self, media_name, **extra):
        data = {"To": "+15550123", "From": "+15550100", "StatusCallback": self.cb.url,
                "MediaUrl": self.media_base + "/" + media_name, "Quality": "fine"}
        data.update(extra)
        r = requests.post(self.box.url + "/v1/Faxes", data=data,
                          auth=(self.sid_acct, self.token), timeout=30)
        assert r.status_code == 201, r.text
        return r.json()

    def callbacks_until_final(self, timeout_s=600):
        got = []
        while True:
            params, ok = self.cb.q.get(timeout=timeout_s)
            got.append((params, ok))
            if params["FaxStatus"] in FINAL:
                return got

    def get(self, sid):
        r = requests.get(self.box.url + "/v1/Faxes/" + sid, auth=(self.sid_acct, self.token),
                         timeout=30)
        assert r.status_code == 200
        return r.json()

    def log_lines(self, pattern):
        return [ln for ln in self.box.lines if re.search(pattern, ln)]

    def close(self):
        self.box.stop()
        self.cb.close()
        self.media_srv.shutdown()
