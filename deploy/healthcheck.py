"""The image's HEALTHCHECK: GET a health path (default /healthz) on this container's service port.

The port is PMO_PORT, else the default port of PMO_SERVICE, else the `--port` of the uvicorn process
(when the service was chosen by argument, `docker run image portfolio`). Exit 0 when the answer is 200.
Standard library only: the slim image has no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

PORTS = {"portfolio": 8001, "risk": 8002, "resource": 8003, "reporting": 8004}


def service_port() -> int | None:
    if os.environ.get("PMO_PORT"):
        return int(os.environ["PMO_PORT"])
    if os.environ.get("PMO_SERVICE") in PORTS:
        return PORTS[os.environ["PMO_SERVICE"]]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"uvicorn" in a for a in args) and b"--port" in args:
            index = args.index(b"--port") + 1
            if index < len(args):
                return int(args[index])
    return None


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    port = service_port()
    if port is None:
        print("healthcheck: set PMO_PORT or PMO_SERVICE", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            ok = response.status == 200
    except Exception as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
