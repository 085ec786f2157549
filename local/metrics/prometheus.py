"""A real Prometheus (Debian's package, ``local/metrics/install_prometheus.sh``) scraping on 127.0.0.1, started and
stopped here.

    jobs = [ScrapeJob("node-exporter", ["127.0.0.1:9100"], token_file=reader_token)]
    with LocalPrometheus(jobs, workdir=Path("build/local/prometheus")) as prometheus:
        prometheus.query('up{job="node-exporter"}')     # the HTTP API's result vector
        prometheus.targets()                             # /api/v1/targets' active targets

Each job scrapes kube-rbac-proxy the way the README tells a user's Prometheus to: scheme https, a bearer token read
from a file, and ``insecure_skip_verify`` because the proxy serves the self-signed certificate it generates at start.
The config is checked with ``promtool check config`` before Prometheus starts; config, storage and log live under
``workdir``; the web listener is 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from local.processes import free_port, stop_process

PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")


class PrometheusError(Exception):
    """Prometheus is missing, refused its config, or didn't become ready."""


@dataclass(frozen=True)
class ScrapeJob:
    """One scrape job through kube-rbac-proxy.

    Attributes:
        name: the job label.
        targets: host:port of each proxy.
        token_file: the file holding the bearer token Prometheus sends.
    """

    name: str
    targets: Sequence[str]
    token_file: Path

    def config(self) -> dict[str, Any]:
        return {
            "job_name": self.name,
            "scheme": "https",
            "metrics_path": "/metrics",
            "authorization": {"type": "Bearer", "credentials_file": str(self.token_file)},
            # kube-rbac-proxy's certificate is self-signed (no --tls-cert-file in the DaemonSet): the token is what
            # authenticates, TLS only encrypts.
            "tls_config": {"insecure_skip_verify": True},
            "static_configs": [{"targets": list(self.targets)}],
        }


class LocalPrometheus:
    """One Prometheus process with its own config and storage: a context manager that stops it.

    Args:
        jobs: the scrape jobs.
        workdir: config, TSDB and log go here (emptied first).
        scrape_interval: the global scrape interval, e.g. ``"15s"``.
    """

    def __init__(self, jobs: Sequence[ScrapeJob], *, workdir: Path, scrape_interval: str = "15s"):
        self.jobs = list(jobs)
        self.workdir = workdir
        self.scrape_interval = scrape_interval
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def config_file(self) -> Path:
        return self.workdir / "prometheus.yml"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        config = {
            # scrape_timeout stays Prometheus's default: 10 s, or the interval when that is shorter.
            "global": {"scrape_interval": self.scrape_interval},
            "scrape_configs": [job.config() for job in self.jobs],
        }
        self.config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        checked = subprocess.run([str(PROMTOOL), "check", "config", str(self.config_file)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise PrometheusError(f"promtool check config: {checked.stdout}{checked.stderr}")
        return self.config_file

    def start(self, *, timeout_seconds: float = 60) -> "LocalPrometheus":
        if not PROMETHEUS.exists():
            raise PrometheusError(f"{PROMETHEUS} is missing: run local/metrics/install_prometheus.sh (make e2e-deps)")
        shutil.rmtree(self.workdir, ignore_errors=True)
        (self.workdir / "data").mkdir(parents=True)
        self.write_config()
        self.port = free_port()
        log = (self.workdir / "prometheus.log").open("wb")
        try:
            self.process = subprocess.Popen(
                [
                    str(PROMETHEUS),
                    f"--config.file={self.config_file}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrometheusError(f"prometheus exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise PrometheusError(f"prometheus not ready after {timeout_seconds:.0f} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """Stop the Prometheus this object started; nothing else."""
        process, self.process = self.process, None
        stop_process(process, timeout_seconds=30)

    def __enter__(self) -> "LocalPrometheus":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        path = self.workdir / "prometheus.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- its HTTP API -------------------------------------------------------------------------------------------
    def _get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=10) as response:
            body = json.loads(response.read())
        if body.get("status") != "success":
            raise PrometheusError(f"{path}: {body}")
        return body["data"]

    def query(self, expression: str) -> list[dict[str, Any]]:
        """An instant query; the result vector."""
        return self._get("/api/v1/query", query=expression)["result"]

    def targets(self) -> list[dict[str, Any]]:
        """The active targets, each with its job, health and lastError."""
        return self._get("/api/v1/targets", state="active")["activeTargets"]

    def wait_for_scrapes(self, *, jobs: Sequence[str], timeout_seconds: float = 60) -> list[dict[str, Any]]:
        """Wait until every target of ``jobs`` has been scraped at least once; return the active targets."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            targets = [t for t in self.targets() if t["labels"]["job"] in jobs]
            if targets and all(t["health"] != "unknown" for t in targets):
                return targets
            if time.monotonic() > deadline:
                raise PrometheusError(f"targets of {list(jobs)} not scraped after {timeout_seconds:.0f} s: {targets}")
            time.sleep(0.5)
