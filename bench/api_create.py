"""Complaint creation through the REST API under load (issue: intake/API, item 7): 8 clients on
127.0.0.1 against Kesu served by granian (`python -m kesu serve`, one worker per core), token
auth, each request a new complaint. Throughput and p50 / p99 latency.

With ``--with-peer`` the Python peer (django-helpdesk, ../shared/peers/) is measured first, in
the same run and with the same 8 clients, and the ratio printed; `hey` (Go) cross-checks both.

    .venv/bin/python bench/api_create.py --db sqlite --with-peer
    .venv/bin/python bench/api_create.py --db postgres --pg-url postgres://kesu:kesu@127.0.0.1:5432/kesu
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seeding import ROOT, seed, setup


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (the web server's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        pending += [int(c) for c in children]
    return total


def settle(pid: int, port: int, *, quiet: float = 0.05, longest: float = 90.0) -> tuple[float, float]:
    """Wait until the server has started: a request answered (its workers loaded), then a second
    in which it used less than ``quiet`` CPU-seconds (its start-up work done — the scheduler's
    first runs, a model learned from the seeded history), so timing measures the steady state.
    Returns the seconds waited and the CPU-seconds the server used meanwhile."""
    t0, cpu0 = time.monotonic(), tree_cpu(pid)
    while time.monotonic() - t0 < longest:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    before = tree_cpu(pid)
    while time.monotonic() - t0 < longest:
        time.sleep(1.0)
        now = tree_cpu(pid)
        if now - before < quiet:
            break
        before = now
    return time.monotonic() - t0, tree_cpu(pid) - cpu0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--rows", type=int, default=10_000, help="complaints stored before the run (the peer uses 10k)")
    ap.add_argument("--creates", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--with-peer", action="store_true", help="measure django-helpdesk first, print the ratio")
    ap.add_argument("--units", type=int, default=0, help="issue 18: spread over this many business units (50)")
    ap.add_argument("--versions", type=int, default=50, help="with --units: published policy versions")
    args = ap.parse_args()
    peer = measure_peer(args.creates) if args.with_peer else None
    work = setup(args.db, args.pg_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(args.rows, args.rows // 5, now)
    login = "wangkf"
    if args.units:  # the store person's token: each creation resolves the store's chain of versions
        from units import add_units

        login = str(add_units(args.units, args.versions, now)["store_person"])

    from rest_framework.authtoken.models import Token

    from kesu.org.models import Staff

    token = Token.objects.get_or_create(user=Staff.objects.get(username=login))[0].key
    port = free_port()
    env = {**os.environ, "KESU_PORT": str(port), "KESU_WORKERS": str(args.workers), "KESU_DEBUG": "0"}
    log = (work / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "kesu", "serve"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        settled = settle(server.pid, port)
        print(f"server settled after {settled[0]:.1f} s ({settled[1]:.1f} CPU-s of start-up work: loading the app, "
              "the scheduler's first runs)")
        started: list[Any] = []  # the server's and this client's CPU when timing starts (after the warm-up)
        results = run(port, token, args.creates, args.clients,
                      on_start=lambda: started.extend((tree_cpu(server.pid), os.times())))
        # CPU per creation, which other jobs on the machine do not distort as they do creates/s
        done = os.times()
        server_cpu, client_cpu = started
        results["server_cpu_ms"] = round((tree_cpu(server.pid) - server_cpu) / results["sent"] * 1000, 2)
        results["client_cpu_ms"] = round((done.user + done.system - client_cpu.user - client_cpu.system)
                                         / results["sent"] * 1000, 2)
        results["hey"] = hey(port, token, args.creates, args.clients, work)
    finally:
        server.terminate()
        try:  # background work still running in a worker (the in-process tasks) can hold it up
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"api-create-{args.db}-{stamp}.json").write_text(json.dumps(results, indent=2))
    print("\n| database | clients | web workers | creates/s | p50 | p99 | non-201 |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.db} | {args.clients} | {args.workers} | {results['per_second']} | {results['p50_ms']} ms "
          f"| {results['p99_ms']} ms | {results['errors']} |")
    print(f"CPU per creation: server {results['server_cpu_ms']} ms, this client {results['client_cpu_ms']} ms")
    print(f"hey cross-check: {results['hey']}")
    if peer:
        print(f"\ndjango-helpdesk, same run: {peer['per_second']:.1f} creates/s (hey {peer['hey']}/s)")
        print(f"ratio Kesu / django-helpdesk: {results['per_second'] / peer['per_second']:.2f}x"
              + (f" (hey: {results['hey']['per_second'] / peer['hey']:.2f}x)"
                 if isinstance(results["hey"], dict) and peer["hey"] else ""))


def measure_peer(creates: int) -> dict[str, float]:
    """The peer's own harness (it builds django-helpdesk from PyPI on first use), 10k tickets."""
    script = ROOT.parent / "shared" / "peers" / "django-helpdesk" / "bench.sh"
    if not script.exists():
        raise SystemExit(f"--with-peer: {script} not found")
    subprocess.run(["bash", str(script), "--sizes", "10000", "--creates", str(creates), "--creates-basic", "0"],
                   check=True)
    latest = max((Path("/tmp/kesu-peers/django-helpdesk/results")).glob("*/results.json"))
    stage = json.loads(latest.read_text())["stages"]["10k"]
    return {"per_second": stage["create_session"]["ok_per_s"], "hey": stage.get("create_hey", {}).get("req_per_s")}


def hey(port: int, token: str, total: int, clients: int, work: Path) -> dict[str, float] | str:
    """The same load from hey (Go, one fixed body), as the peer's harness cross-checks with it."""
    if not shutil.which("hey"):
        return "hey not installed"
    body = work / "hey-body.json"
    body.write_text(json.dumps({"channel": "phone", "customer_words": "压测投诉：空调不制冷，要求上门维修",
                                "customer_name": "压测客户", "customer_phone": "13700000000",
                                "complained_department": "after_sales"}, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run(["hey", "-n", str(total), "-c", str(clients), "-m", "POST", "-T", "application/json",
                          "-H", f"Authorization: Token {token}", "-D", str(body),
                          f"http://127.0.0.1:{port}/api/v1/complaints/"], capture_output=True, text=True).stdout
    patterns = {"per_second": r"Requests/sec:\s+([\d.]+)", "p50_s": r"50%+ in ([\d.]+) secs",
                "p99_s": r"99%+ in ([\d.]+) secs"}
    found = {k: re.search(rx, out) for k, rx in patterns.items()}
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    return {"per_second": float(found["per_second"].group(1)) if found["per_second"] else float("nan"),
            "p50_ms": round(float(found["p50_s"].group(1)) * 1000, 1) if found["p50_s"] else float("nan"),
            "p99_ms": round(float(found["p99_s"].group(1)) * 1000, 1) if found["p99_s"] else float("nan"),
            "codes": codes}  # type: ignore[dict-item]


def run(port: int, token: str, total: int, clients: int,
        on_start: Callable[[], object] = lambda: None) -> dict[str, object]:
    """``total`` creations over ``clients`` keep-alive connections, each sending its next request as
    soon as its answer is in: one thread multiplexing the sockets, as the peer's harness drives
    its load from one asyncio loop. Each request is built before timing starts, so the client's
    own CPU (printed) stays small next to the server's on the two cores they share (eight threads
    on http.client cost 0.31–0.39 ms a creation; this, 0.10–0.13 ms)."""
    bodies = [json.dumps({"channel": "phone", "customer_words": f"第 {i} 号压测投诉：空调不制冷，要求上门维修",
                          "customer_name": "压测客户", "customer_phone": f"137{i % 100_000_000:08d}",
                          "complained_department": "after_sales"}, ensure_ascii=False).encode()
              for i in range(total + clients * 2)]
    head = (f"POST /api/v1/complaints/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n")
    pending = [head.format(len(b)).encode() + b for b in bodies]
    pending.reverse()  # pop() from the end: complaint 0 first
    latencies: list[float] = []
    statuses: list[int] = []
    socks = [socket.create_connection(("127.0.0.1", port), timeout=120) for _ in range(clients)]
    for s in socks:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(2):  # warm-up, one at a time: each worker process sees requests before timing
            s.sendall(pending.pop())
            answer = bytearray()
            while _answered(answer) is None:
                answer += _received(s)
    on_start()
    selector = selectors.DefaultSelector()
    inflight: dict[socket.socket, tuple[bytearray, float]] = {}
    start = time.perf_counter()
    for s in socks:
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)
        s.sendall(pending.pop())
        inflight[s] = (bytearray(), time.perf_counter())
    while inflight:
        for key, _events in selector.select():
            s = key.fileobj
            assert isinstance(s, socket.socket)
            answer, sent_at = inflight[s]
            answer += _received(s)
            code = _answered(answer)
            if code is None:
                continue
            latencies.append(time.perf_counter() - sent_at)
            statuses.append(code)
            if pending:
                s.sendall(pending.pop())  # a request is far below the socket's buffer: never blocks
                inflight[s] = (bytearray(), time.perf_counter())
            else:
                selector.unregister(s)
                del inflight[s]
    wall = time.perf_counter() - start
    for s in socks:
        s.close()
    errors = sum(1 for code in statuses if code != 201)
    ok = len(latencies) - errors
    return {"clients": clients, "sent": len(latencies), "ok": ok, "errors": errors, "wall_s": round(wall, 2),
            "per_second": round(ok / wall, 1), "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1)}


def _received(s: socket.socket) -> bytes:
    data = s.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def _answered(answer: bytearray) -> int | None:
    """The status of a complete HTTP/1.1 answer (by its Content-Length, or a chunked body's last
    chunk), None while it is still arriving."""
    end = answer.find(b"\r\n\r\n")
    if end < 0:
        return None
    length = re.search(rb"\r\ncontent-length:\s*(\d+)", bytes(answer[:end]).lower())
    complete = (len(answer) >= end + 4 + int(length.group(1))) if length else answer.endswith(b"\r\n0\r\n\r\n")
    return int(answer[9:12]) if complete else None


if __name__ == "__main__":
    main()
