"""Local processes and the ports they hold, as /proc tells: who listens on which port, whether a pid is alive, a free
port to use, stopping a process this code started, and this machine's own addresses.

The local cluster checks its port and its pid files with it; the metrics path picks its ports and stops its
processes with it; the end-to-end suite checks what each process listens on.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

# The state column of /proc/net/tcp that means LISTEN.
_LISTEN = "0A"


def _socket_inodes(proc: Path) -> set[str]:
    """The inodes of the sockets a process holds open (its fds that point at ``socket:[inode]``), ``proc`` being its
    /proc/<pid> directory; a fd that can't be read is passed over, a fd directory that can't be listed raises
    OSError."""
    inodes = set()
    for fd in (proc / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _listening_sockets(table: str) -> Iterator[tuple[str, int, str]]:
    """(address in hex, port, socket inode) of each listening socket of a /proc tcp table; none if it can't be read."""
    try:
        lines = Path(table).read_text().splitlines()[1:]
    except OSError:
        return
    for line in lines:
        fields = line.split()
        if fields[3] != _LISTEN:
            continue
        address_hex, port_hex = fields[1].split(":")
        yield address_hex, int(port_hex, 16), fields[9]


def port_owner(port: int) -> Optional[str]:
    """Who listens on 127.0.0.1:``port`` (a process name where /proc tells), or None when it is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return None
        except OSError:
            pass
    listening = {
        inode
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for _, listening_port, inode in _listening_sockets(table)
        if listening_port == port
    }
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if _socket_inodes(proc) & listening:
                return f"{(proc / 'comm').read_text().strip()} (pid {proc.name})"
        except OSError:
            continue
    return "another process"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: Optional[subprocess.Popen], *, timeout_seconds: float) -> None:
    """SIGTERM a process this code started, then SIGKILL it if it outlives ``timeout_seconds``."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """The (address, port) pairs process ``pid`` listens on over TCP, read from /proc (IPv4 and IPv6)."""
    inodes = _socket_inodes(Path(f"/proc/{pid}"))
    found = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for address_hex, port, inode in _listening_sockets(f"/proc/{pid}/net/{table}"):
            if inode not in inodes:
                continue
            raw = bytes.fromhex(address_hex)
            # /proc prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add((socket.inet_ntop(family, raw), port))
    return found


def this_machines_addresses() -> list[str]:
    """The IPv4 addresses of this machine's interfaces other than loopback (``hostname -I``'s answer, from /proc)."""
    addresses = set()
    # /proc/net/fib_trie marks each local address with "/32 host LOCAL" on the line after it.
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    for previous, line in zip(lines, lines[1:]):
        if "/32 host LOCAL" in line:
            address = previous.split()[-1]
            if not address.startswith("127."):
                addresses.add(address)
    return sorted(addresses)


__all__ = [
    "free_port",
    "listening_addresses",
    "port_owner",
    "process_alive",
    "stop_process",
    "this_machines_addresses",
]
