"""The image's entrypoint for real: `migrate <service>` then `<service>` serve the service with
uvicorn on its port, /readyz answers 200, and the image's healthcheck script agrees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pmo_common.natsserver import NatsServer, free_port
from pmo_common.testing.harness import TEST_JWT_SECRET

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_entrypoint_migrates_then_serves(tmp_path: Path, nats_server: NatsServer) -> None:
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PMO_ENVIRONMENT": "test",
        "PMO_DATABASE_URL": f"sqlite+aiosqlite:///{(tmp_path / 'risk.db').as_posix()}",
        "PMO_NATS_URL": nats_server.url,
        "PMO_JWT_SECRET": TEST_JWT_SECRET,
        "PMO_MIGRATE_ON_START": "false",
        "PMO_HOST": "127.0.0.1",
        "PMO_PORT": str(port),
        "PMO_LOG_LEVEL": "WARNING",
    }
    entrypoint = ["sh", str(DEPLOY / "entrypoint.sh")]
    migrated = subprocess.run(
        [*entrypoint, "migrate", "risk"], env=env, capture_output=True, text=True, timeout=60
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "risk: migrated to head" in migrated.stdout

    log = (tmp_path / "risk.log").open("wb")
    process = subprocess.Popen([*entrypoint, "risk"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 45
        while get(f"http://127.0.0.1:{port}/readyz") != 200:
            assert process.poll() is None, (tmp_path / "risk.log").read_text()
            assert time.monotonic() < deadline, "not ready: " + (tmp_path / "risk.log").read_text()
            time.sleep(0.2)
        for path in ("/healthz", "/readyz"):
            check = subprocess.run(
                [sys.executable, str(DEPLOY / "healthcheck.py"), path],
                env={"PATH": env["PATH"], "PMO_PORT": str(port)},
                capture_output=True,
                text=True,
                timeout=10,
            )
            assert check.returncode == 0, check.stderr
        # the healthcheck fails when nothing answers
        other = subprocess.run(
            [sys.executable, str(DEPLOY / "healthcheck.py")],
            env={"PATH": env["PATH"], "PMO_PORT": str(free_port())},
            capture_output=True,
            timeout=10,
        )
        assert other.returncode == 1
        # the shell exec'd uvicorn (PID 1 in the container is the server, so signals reach it) ...
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert any(arg.endswith(b"uvicorn") for arg in cmdline), cmdline
        # ... and SIGTERM stops it in time (uvicorn re-raises the signal after its graceful shutdown)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in {0, -signal.SIGTERM}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()
