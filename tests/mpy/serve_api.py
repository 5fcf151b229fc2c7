# Runs the box's API, job runner and outbox under the MicroPython unix
# interpreter for tests/test_api.py, with fake document and T.30 seams.
# Usage: micropython serve_api.py CONFIG.json PORT
# The media is really fetched (faxbox.fetch); prepare() counts one page per
# started 1000 octets of media; send() reports delivered to "MPY FAR END"
# unless the number ends in 0 (busy).
import asyncio
import os
import sys

from faxbox import api, config


class Outcome:
    def __init__(self, status, pages):
        self.status = status
        self.error_code = 0
        self.error_message = ""
        self.num_pages = pages
        self.remote_station_id = "MPY FAR END" if status == "delivered" else ""
        self.duration_s = 12.6


def prepare(job, media_path, spool_dir):
    size = os.stat(media_path)[6]
    return (size + 999) // 1000


async def send(job, spool_dir):
    await asyncio.sleep(0.01)
    if job["to"].endswith("0"):
        return Outcome("busy", 0)
    return Outcome("delivered", job["num_pages"])


def main():
    cfg = config.load(sys.argv[1])
    port = int(sys.argv[2])
    box = api.Box(cfg, prepare, send)
    print("serve_api: listening %d" % port)
    asyncio.run(box.serve("127.0.0.1", port))


main()
