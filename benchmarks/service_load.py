"""Load on the planning service: 50 clients polling jobs and 20 coverage questions a second, against 2 workers.

Starts ``aggregates serve`` (SQLite, 2 worker processes) on the tiny test region in a temporary folder, adds a
planner and a project team, runs one optimize job and publishes it, then for ``--seconds``:

* 50 clients, each polling ``GET /api/jobs/{id}`` and ``GET /api/jobs`` once a second (what an open jobs page does);
* coverage questions ``POST /api/coverage`` against the published plan at ``--coverage-rate`` a second;
* a planner submitting an optimize job every 5 s (``POST /api/jobs``), so the workers are busy meanwhile.

Prints, per endpoint, the requests sent, errors (a status other than 2xx, or no answer) and the p50/p95/max latency.

Usage::

    python benchmarks/service_load.py [--seconds 60] [--clients 50] [--coverage-rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "service"))

from svc import free_port  # noqa: E402
from tiny import write_config, write_region  # noqa: E402

TARGET = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"
JOB = {"kind": "optimize", "scenario": {"name": "tiny"}, "overrides": ["outputs.charts=false", "outputs.report=false"]}
SITE = {"name": "site", "lat": 40.0, "lon": 116.41, "tonnes": 100000, "product": "sand", "years": [2021]}


def add_user(data: Path, name: str, role: str) -> str:
    """Add a user with the CLI; return the token it prints."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aggregates",
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--data-dir",
            str(data),
        ],
        input="benchmark-password\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


class Stats:
    """Latencies and errors per endpoint."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    async def call(self, label: str, request) -> httpx2.Response | None:
        start = time.perf_counter()
        try:
            answer = await request
        except httpx2.HTTPError:
            answer = None
        self.times[label].append(time.perf_counter() - start)
        if answer is None or not 200 <= answer.status_code < 300:
            self.errors[label] += 1
        return answer

    def table(self) -> str:
        rows = [f"{'endpoint':<26} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
        for label in sorted(self.times):
            ms = sorted(t * 1000 for t in self.times[label])
            p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
            rows.append(
                f"{label:<26} {len(ms):>8} {self.errors[label]:>6} {statistics.median(ms):>8.1f} {p95:>8.1f} "
                f"{ms[-1]:>8.1f}"
            )
        return "\n".join(rows)


async def poller(client: httpx2.AsyncClient, job: str, stats: Stats, end: float, offset: float) -> None:
    await asyncio.sleep(offset)
    while time.monotonic() < end:
        await stats.call("GET /api/jobs/{id}", client.get(f"/api/jobs/{job}"))
        await stats.call("GET /api/jobs", client.get("/api/jobs"))
        await asyncio.sleep(1.0)


async def asker(client: httpx2.AsyncClient, plan: str, stats: Stats, end: float, rate: float) -> None:
    tasks = []
    while time.monotonic() < end:
        body = {"site": SITE, "plan": plan}
        tasks.append(asyncio.create_task(stats.call("POST /api/coverage", client.post("/api/coverage", json=body))))
        await asyncio.sleep(1.0 / rate)
    await asyncio.gather(*tasks)


async def submitter(client: httpx2.AsyncClient, stats: Stats, end: float) -> None:
    while time.monotonic() < end:
        await stats.call("POST /api/jobs", client.post("/api/jobs", json=JOB))
        await asyncio.sleep(5.0)


async def load(url: str, tokens: dict[str, str], plan: str, args) -> Stats:
    stats = Stats()
    end = time.monotonic() + args.seconds
    limits = httpx2.Limits(max_connections=args.clients + 40)

    def client(token: str) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=limits)

    async with client(tokens["planner"]) as planner, client(tokens["project"]) as project:
        await asyncio.gather(
            *(poller(planner, plan, stats, end, i / args.clients) for i in range(args.clients)),
            asker(project, plan, stats, end, args.coverage_rate),
            submitter(planner, stats, end),
        )
    return stats


def wait_done(client: httpx2.Client, job: str, timeout: float = 180) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        answer = client.get(f"/api/jobs/{job}").json()
        if answer["status"] in ("done", "failed", "cancelled"):
            return answer
        time.sleep(0.5)
    raise SystemExit(f"job {job} did not finish in {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--coverage-rate", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aggregates-load-") as tmp:
        folder = Path(tmp)
        scenarios = folder / "scenarios"
        scenarios.mkdir()
        write_config(scenarios, write_region(folder / "tiny"), TARGET).rename(scenarios / "tiny.yaml")
        data = folder / "data"
        tokens = {name: add_user(data, name, name) for name in ("planner", "project")}
        port = free_port()
        command = [sys.executable, "-m", "aggregates", "serve", "--data-dir", str(data), "--scenarios", str(scenarios)]
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            run(url, tokens, args)
        except BaseException:
            print((folder / "serve.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(30)


def run(url: str, tokens: dict[str, str], args) -> None:
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['planner']}"}, timeout=30) as c:
        for _ in range(300):
            try:
                if c.get("/api/health").status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        plan = c.post("/api/jobs", json=JOB).json()["id"]
        job = wait_done(c, plan)
        if job["status"] != "done":
            raise SystemExit(f"the plan's job {job['status']}: {job['error']}")
        c.post(f"/api/jobs/{plan}/publish").raise_for_status()
    stats = asyncio.run(load(url, tokens, plan, args))
    print(
        f"{args.clients} clients polling once a second, {args.coverage_rate:g} coverage questions a second, "
        f"{args.seconds:g} s, 2 workers, SQLite"
    )
    print(stats.table())


if __name__ == "__main__":
    main()
