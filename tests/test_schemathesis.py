"""schemathesis against the box on loopback: requests generated from
docs/openapi.json (valid and malformed), each answer checked for no server
error and conformance to the documented status codes, content types and
schemas. Bounded to a few examples per operation."""
import base64
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from test_api import ACCOUNT, ROOT, TOKEN, BoxServer

schema = schemathesis.openapi.from_path(os.path.join(ROOT, "docs", "openapi.json"))
# 413 (the box's request size limit, documented for createFax) is a rejection too
_rej = schema.config.checks.negative_data_rejection
_rej.expected_statuses = list(_rej.expected_statuses) + ["413"]


@schema.auth()
class BasicAuth:
    """The box's credentials on every generated call; schemathesis leaves
    them out itself when it tests missing or wrong auth."""

    def get(self, case, ctx):
        return "Basic " + base64.b64encode((ACCOUNT + ":" + TOKEN).encode()).decode()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = data


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = BoxServer(tmp_path_factory.mktemp("st") / "data")
    yield srv
    srv.close()


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_box_conforms_to_its_openapi(case, server):
    case.call_and_validate(base_url=server.base)
