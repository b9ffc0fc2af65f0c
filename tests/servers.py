"""Real servers and processes for integration tests, on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the current test uses, for another process to open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "kesu.settings",
            "PYTHONPATH": str(ROOT), **extra}


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """REDIS_URL from the test command if it started one; otherwise a private redis-server."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with private_redis(tmp) as url:
        yield f"{url}/0"


@contextmanager
def private_redis(tmp: Path) -> Iterator[str]:
    """A redis-server of this test's own on a free loopback port, stopped on exit."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: the test command (scripts/test.sh) installs it"
    port = free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def processes(*commands: list[str], env: dict[str, str], logs: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start processes; always stop them (warm shutdown, then kill) when the block ends."""
    procs = []
    try:
        for i, cmd in enumerate(commands):
            log = open(logs / f"proc-{i}.log", "wb")  # noqa: SIM115 — closed with the process
            procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
        yield procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def wait_for(predicate, *, timeout: float, interval: float = 0.25):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@contextmanager
def dovecot_server(users: dict[str, str]) -> Iterator[int]:
    """A private Dovecot IMAP server on a free port of 127.0.0.1 (MACHINE-NOTES §9b), plain
    passwords, maildirs in a fresh directory; yields the port. Needs root and dovecot-imapd
    (scripts/test.sh installs it)."""
    import tempfile

    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    assert Path(binary).exists(), "dovecot is not installed: the test command (scripts/test.sh) installs dovecot-imapd"
    home = Path(tempfile.mkdtemp(prefix="kesu-dovecot-"))
    home.chmod(0o755)  # mail processes run as the dovecot user and must reach the maildirs
    for sub in ("run", "state", "mail"):
        (home / sub).mkdir()
    port = free_port()
    (home / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    (home / "dovecot.conf").write_text(f"""protocols = imap
listen = 127.0.0.1
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{home}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={home}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
    shutil.chown(home / "mail", "dovecot", "dovecot")
    # dovecot keeps the caller's stdout/stderr open (MACHINE-NOTES gotcha 5): detach them.
    subprocess.run([binary, "-c", str(home / "dovecot.conf")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    pid_file = home / "run" / "master.pid"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if pid_file.exists() and s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise AssertionError(f"dovecot did not start: {(home / 'dovecot.log').read_text(errors='replace')}")
        yield port
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.1)
        shutil.rmtree(home, ignore_errors=True)
