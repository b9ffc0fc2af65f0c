"""The deployment files are usable as they are (deploy/, docs/deploy.md): every process of the
topology has its systemd unit and runs a command Kesu has; nginx accepts the site, lets through the
largest upload the policies allow, writes the client's address into the header Kesu is told to
trust, overwrites the scheme, and keeps evidence files and the metrics from the outside; and the
example environment passes ``kesu check --deploy``."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kesu.core.policy.io import preset_paths
from kesu.core.policy.model import Attachments
from kesu.tasks import QUEUES
from tests.servers import ROOT, free_port

DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "kesu.conf").read_text()
ENV_EXAMPLE = {k: v.strip('"') for k, v in (line.split("=", 1) for line in (DEPLOY / "kesu.env.example")
               .read_text().splitlines() if line and not line.startswith("#"))}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


@pytest.mark.parametrize(("name", "command"), [
    ("kesu-web@.service", "serve"), ("kesu-worker@.service", "worker"), ("kesu-beat.service", "beat"),
    ("kesu-backup.service", "backup")])
def test_every_process_has_a_unit_that_runs_a_command_kesu_has(name, command):
    from django.core.management import get_commands

    service = unit(name)["Service"]
    assert re.match(rf"/opt/kesu/\.venv/bin/python -m kesu {command}\b", service["ExecStart"])
    assert command in get_commands()
    assert service["User"] == "kesu" and "/etc/kesu/keys.env" in (DEPLOY / "systemd" / name).read_text()


def test_the_guide_enables_a_worker_for_every_queue():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    enabled = set(re.findall(r"kesu-worker@(\w+)", guide))
    assert set(QUEUES) <= enabled


def test_nginx_lets_through_the_largest_upload_any_preset_allows():
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", NGINX).group(1))
    largest = Attachments()
    biggest = largest.max_count * largest.max_size_mb
    for path in preset_paths():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        a = Attachments(**doc.get("attachments", {}))
        biggest = max(biggest, a.max_count * a.max_size_mb)
    assert limit_mb > biggest  # the files and the form around them


def test_nginx_writes_the_header_kesu_trusts_and_the_scheme_it_reads():
    header = ENV_EXAMPLE["KESU_TRUSTED_PROXY_HEADER"]
    assert re.search(rf"proxy_set_header {re.escape(header)} \$remote_addr;", NGINX)  # overwritten, never appended
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX and ENV_EXAMPLE["KESU_PROXY_HTTPS"] == "1"
    assert ENV_EXAMPLE["KESU_TRUSTED_PROXIES"] == "127.0.0.1"
    assert f"alias {ENV_EXAMPLE['KESU_DATA_DIR']}/static/;" in NGINX
    assert re.search(r"location /media/ \{\s+return 404;", NGINX) and re.search(r"location = /metrics \{\s+return 404;",
                                                                                 NGINX)


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (scripts/test.sh installs nginx-light)")
def test_nginx_accepts_the_site_as_written(tmp_path):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kesu.example.cn")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    site = (NGINX.replace("/etc/ssl/kesu/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/kesu/privkey.pem", str(tmp_path / "key.pem"))
            .replace("listen 80;", f"listen 127.0.0.1:{free_port()};").replace("listen [::]:80;", "")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{free_port()} ssl http2;")
            .replace("listen [::]:443 ssl http2;", ""))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path};\n{site}\n}}\n")
    done = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_the_example_environment_passes_the_deploy_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KESU_", "DATABASE_URL"))}
    env.update({k: v for k, v in ENV_EXAMPLE.items()})
    env.update(KESU_DATA_DIR=str(tmp_path), KESU_MEDIA_ROOT=str(tmp_path / "media"), PYTHONPATH=str(ROOT),
               KESU_SECRET_KEY="x" * 20 + "-a-long-random-secret-key-for-the-check",
               KESU_METRICS_TOKEN="a-metrics-token-of-32-characters!",
               DATABASE_URL=f"postgres://kesu:kesu@127.0.0.1:{free_port()}/kesu")  # nobody there: no demo to find
    done = subprocess.run([sys.executable, "-m", "kesu", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert Path(DEPLOY / "kesu.env.example").read_text().count("CHANGE-ME") >= 2  # nothing secret is shipped
