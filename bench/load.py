"""Load from a separate process: wrk (Debian's package) when present, else a bounded asyncio
HTTP client in a child process. Both report requests/s and latency percentiles."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LoadResult:
    tool: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    timeouts: int = 0  # requests wrk gave up on (> 2 s): not in the latencies, so report them apart


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300)
    return shutil.which("wrk")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.match(r"([0-9.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"cannot read a latency from {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_load(
    url: str,
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str],
    method: str = "GET",
    body: str | None = None,
) -> LoadResult:
    wrk = ensure_wrk()
    if wrk:
        return _wrk(wrk, url, seconds, connections, headers, method, body)
    return _python(url, seconds, connections, headers, method, body)


def _wrk(
    wrk: str, url: str, seconds: int, connections: int, headers: dict[str, str], method: str, body: str | None
) -> LoadResult:
    lines = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for key, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}")
    lines.append("""
local errors = 0
response = function(status, headers, body)
  if status >= 400 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
end
""")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines))
    try:
        out = subprocess.run(
            [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"NON2XX (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    return LoadResult(
        "wrk",
        rps,
        p50,
        p99,
        total,
        int(non2xx.group(1)) if non2xx else 0,
        int(timeouts.group(1)) if timeouts else 0,
    )


_CLIENT = r"""
import asyncio, json, sys, time
import httpx
url, seconds, connections, headers, method, body = json.loads(sys.argv[1])
lat, errors = [], 0
async def worker(client, deadline):
    global errors
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        r = await client.request(method, url, headers=headers, content=body)
        lat.append(time.perf_counter() - t)
        if r.status_code >= 400: errors += 1
async def main():
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = time.perf_counter(); deadline = start + seconds
        await asyncio.gather(*(worker(client, deadline) for _ in range(connections)))
        elapsed = time.perf_counter() - start
    lat.sort()
    print(json.dumps({"rps": len(lat) / elapsed, "p50": lat[len(lat)//2]*1000, "p99": lat[int(len(lat)*0.99)]*1000,
                      "n": len(lat), "errors": errors}))
asyncio.run(main())
"""


def _python(
    url: str, seconds: int, connections: int, headers: dict[str, str], method: str, body: str | None
) -> LoadResult:
    args = json.dumps([url, seconds, connections, headers, method, body])
    out = subprocess.run(
        [sys.executable, "-c", _CLIENT, args],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    data = json.loads(out)
    return LoadResult("httpx", data["rps"], data["p50"], data["p99"], data["n"], data["errors"])
