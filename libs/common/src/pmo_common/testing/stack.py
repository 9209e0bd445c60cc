"""The real stack as separate processes — a nats-server from the wheel and one uvicorn per service —
for end-to-end tests, the cluster test, the benchmarks and the demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pmo_common.natsserver import free_port, log_since

SERVICES = ("portfolio", "risk", "resource", "reporting")
PREFIX = {s: f"/{s}/v1" for s in SERVICES}


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_file: Path
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    # A port picked by `free_port` is only free when it is picked: another process (a suite running
    # beside this one) can bind it before uvicorn does. Until the service has once been ready it may
    # move to a fresh port; after that a restart keeps its address, as clients hold it.
    movable: bool = False
    _log_offset: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return self.url + PREFIX[self.name]

    def start(self) -> ServiceProcess:
        log = open(self.log_file, "ab")  # noqa: SIM115 - the child keeps it
        self._log_offset = log.tell()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                f"pmo_{self.name}.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except Exception:
            return False

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                if self.movable and b"address already in use" in log_since(self.log_file, self._log_offset):
                    self.port = free_port()
                    self.start()
                    continue
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_file}")
            if self.ready():
                self.movable = False
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {timeout}s; see {self.log_file}")

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no last relay round — a crash."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@dataclass
class Stack:
    workdir: Path
    nats_url: str
    jwt_secret: str
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    # Called with a service's name when `database_urls` names none for it, in place of the SQLite
    # file: `make bench` with PMO_BENCH_DATABASE_URL sets it for the length of a section to give each
    # service a fresh PostgreSQL database without every section passing URLs around.
    default_database: ClassVar[Callable[[str], str] | None] = None

    def add(
        self,
        name: str,
        *,
        port: int | None = None,
        workers: int = 1,
        env: dict[str, str] | None = None,
        instance: str = "",
    ) -> ServiceProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PMO_")}
        if name not in self.database_urls and Stack.default_database is not None:
            # Kept on the stack, so that further instances of the service share its database.
            self.database_urls[name] = Stack.default_database(name)
        service_env = {
            **base,
            "PMO_NATS_URL": self.nats_url,
            "PMO_JWT_SECRET": self.jwt_secret,
            "PMO_ENVIRONMENT": "test",
            "PMO_DATABASE_URL": self.database_urls.get(
                name, f"sqlite+aiosqlite:///{(self.workdir / f'{name}.db').as_posix()}"
            ),
            "PMO_OUTBOX_POLL_SECONDS": "0.1",
            "PMO_CONSUMER_ACK_WAIT_SECONDS": "3",
            "PMO_LOG_LEVEL": "WARNING",
            **self.extra_env,
            **(env or {}),
        }
        process = ServiceProcess(
            name,
            port or free_port(),
            service_env,
            self.workdir / f"{name}{instance}.log",
            workers=workers,
            movable=port is None,
        )
        self.services[name + instance] = process
        return process

    def start(self, *names: str, timeout: float = 90) -> Stack:
        for name in names or SERVICES:
            if name not in self.services:
                self.add(name)
            self.services[name].start()
        for name in names or SERVICES:
            self.services[name].wait_ready(timeout)
        return self

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
