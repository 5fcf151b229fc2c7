"""A box with fake fetch/prepare/send for the kill-and-restart tests
(tests/test_faults.py, bench/bench_api.py). Usage: crashbox.py DATA_DIR PORT SEED

Numbers ending in 0 are busy (redialled once after 0.05 s, then busy), in 1
fail with 34108, others are delivered; every step takes a few random
milliseconds so a SIGKILL can land anywhere."""
import asyncio
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "firmware"))

from faxbox import api  # noqa: E402
from faxbox.config import Config  # noqa: E402


class Outcome:
    def __init__(self, status, pages, code=0):
        self.status = status
        self.num_pages = pages
        self.remote_station_id = "FAR END" if status == "delivered" else ""
        self.error_code = code
        self.error_message = ""
        self.duration_s = 3.0


def main():
    data, port, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)

    async def fetch(url, path, config):
        await asyncio.sleep(rnd.random() * 0.02)
        with open(path, "wb") as f:
            f.write(b"%PDF-1.4 fake " + url.encode())
        return "application/pdf", 20

    async def prepare(job, media_path, spool_dir):
        await asyncio.sleep(rnd.random() * 0.02)
        return 2

    async def send(job, spool_dir):
        await asyncio.sleep(rnd.random() * 0.05)
        if job["to"].endswith("0"):
            return Outcome("busy", 0)
        if job["to"].endswith("1"):
            return Outcome("failed", 1, 34108)
        return Outcome("delivered", 2)

    cfg = Config(data_dir=data, account_sid="AC" + "1" * 32, auth_token="tok",
                 callback_retry_first_s=0.05, callback_retry_max_s=0.2,
                 retry_busy_s=0.05, retry_no_answer_s=0.05, max_dials=2)
    box = api.Box(cfg, prepare, send, fetch=fetch)
    asyncio.run(box.serve("127.0.0.1", port))


main()
