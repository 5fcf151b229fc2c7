"""docs/openapi.json describes exactly the routes the box serves, and the
answers a running box gives to each documented operation are documented."""
import json
import os
import re

import pytest

from faxbox import api
from faxbox.config import Config
from test_api import ROOT, BoxServer

SPEC = os.path.join(ROOT, "docs", "openapi.json")
_PARAM = {"sid": "Sid", "msid": "MediaSid"}


def load_spec():
    with open(SPEC) as f:
        return json.load(f)


def served_routes(tmp_path):
    box = api.Box(Config(data_dir=str(tmp_path / "d")), None, None)
    out = set()
    for methods, pattern, _, _, _ in box.app.url_map:
        path = re.sub(r"<(\w+)>", lambda m: "{%s}" % _PARAM[m.group(1)], pattern.url_pattern)
        for m in methods:
            out.add((m, path))
    return out


def documented_routes(spec):
    out = set()
    for path, item in spec["paths"].items():
        for m in item:
            if m in ("get", "post", "put", "delete", "patch"):
                out.add((m.upper(), path))
    return out


def test_spec_and_app_have_the_same_routes(tmp_path):
    spec = load_spec()
    assert spec["openapi"].startswith("3.")
    assert served_routes(tmp_path) == documented_routes(spec)


def test_every_operation_is_authenticated_and_path_params_declared():
    spec = load_spec()
    assert spec["components"]["securitySchemes"]["basic"]["scheme"] == "basic"
    assert spec["security"] == [{"basic": []}]
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert names == declared, path
        for m, op in item.items():
            if m == "parameters":
                continue
            assert "401" in op["responses"], (m, path)
    refs = re.findall(r'"#/components/schemas/(\w+)"', open(SPEC).read())
    assert refs and set(refs) <= set(spec["components"]["schemas"])


def test_live_answers_are_documented(tmp_path):
    spec = load_spec()
    srv = BoxServer(tmp_path / "data")
    fx = "FX" + "0" * 32
    me = "ME" + "0" * 32
    try:
        for method, path in sorted(documented_routes(spec)):
            url = srv.base + path.replace("{Sid}", fx).replace("{MediaSid}", me)
            for http in (srv.http, None):
                if http is None:
                    import requests
                    http = requests.Session()
                    http.trust_env = False
                r = http.request(method, url, data={"Status": "canceled"}
                                 if method == "POST" else None)
                op = spec["paths"][path][method.lower()]
                assert str(r.status_code) in op["responses"], (method, path, r.status_code)
                ctype = r.headers.get("Content-Type", "").split(";")[0]
                if r.status_code != 204:
                    assert ctype in op["responses"][str(r.status_code)]["content"], \
                        (method, path, ctype)
    finally:
        srv.close()


def test_405_lists_allowed_methods_and_empty_filters_are_refused(tmp_path):
    # findings of the schemathesis run (tests/test_schemathesis.py)
    srv = BoxServer(tmp_path / "data")
    try:
        r = srv.http.put(srv.base + "/v1/Faxes")
        assert r.status_code == 405
        assert sorted(r.headers["Allow"].split(", ")) == ["GET", "POST"]
        r = srv.http.request("TRACE", srv.base + "/v1/Faxes/FX" + "0" * 32 + "/Media")
        assert r.status_code == 405 and r.headers["Allow"] == "GET"
        for name in ("DateCreatedAfter", "To", "PageSize"):
            assert srv.http.get(srv.base + "/v1/Faxes?%s=" % name).status_code == 400
    finally:
        srv.close()


def test_bad_percent_escapes_in_media_url_are_400_not_500(tmp_path):
    # found by schemathesis: userinfo "%mF" crashed the URL check with 500
    srv = BoxServer(tmp_path / "data")
    try:
        for url in ("http://3W0eg%mFBA@[a3A]/x.pdf", "http://u%ff@h/x.pdf",
                    "http://u%2@h/x.pdf", "http://h*/x.pdf", "http://h/\x01",
                    "http://[::1]*/x.pdf"):
            r = srv.http.post(srv.base + "/v1/Faxes", data={"To": "+1555", "MediaUrl": url})
            assert r.status_code == 400 and r.json()["code"] == 20001, url
    finally:
        srv.close()
