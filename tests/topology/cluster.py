"""The production topology's servers and processes for tests, on 127.0.0.1 only: a throwaway
PostgreSQL cluster (as scripts/lib/services.sh starts one), a private Redis, an SMTP sink, and Kesu's
own processes started by the commands the systemd units run (deploy/systemd)."""

from __future__ import annotations

import email
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from pathlib import Path

import psycopg

from tests.servers import ROOT, free_port

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """initdb a private cluster (trust, fsync off: thrown away), start it on a free port of 127.0.0.1,
    create role and database kesu; yield its URL; stop it and remove it."""
    assert (PGBIN / "initdb").exists(), "PostgreSQL 15 is not installed: the test command installs it"
    home = Path(tempfile.mkdtemp(prefix="kesu-topology-pg-"))
    home.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data, port = home / "data", free_port()
    subprocess.run(_as_postgres([str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E",
                                 "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_postgres([str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60",
                                 "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off "
                                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                                 "start"]), check=True, stdout=subprocess.DEVNULL)
    try:
        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE ROLE kesu LOGIN PASSWORD 'kesu' CREATEDB")
            c.execute("CREATE DATABASE kesu OWNER kesu")
        yield f"postgres://kesu:kesu@127.0.0.1:{port}/kesu"
    finally:
        subprocess.run(_as_postgres([str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is handed."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def kesu(*args: str) -> list[str]:
    return [sys.executable, "-m", "kesu", *args]


class Topology:
    """Kesu's processes by name; each logs to <logs>/<name>.log and is stopped at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def run(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(kesu(*args), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"kesu {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 — closed with the process
        self.procs[name] = subprocess.Popen(kesu(*args), env=self.env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT)
        return self.procs[name]

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        """SIGKILL: no warm shutdown, no goodbye to the broker."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def tails(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-1500:]}" for name in self.procs)
