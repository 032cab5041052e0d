"""A per-client limit on proposals, shared by every worker through one SQLite file.

Each gunicorn worker is its own process, so an in-memory counter would let N workers
accept N times the limit. SQLite in the instance folder needs no extra service: a
`BEGIN IMMEDIATE` transaction serialises the check-and-count of every process. Clients
are stored as a keyed hash of their address, and only for the limit's window; the file
is readable by the site's user alone (0600).

A client is an IPv4 address or an IPv6 /64 (one household or office gets a whole /64 and
may pick any address in it). Robots' hits count in a budget of their own, so a robot
never uses up the limit of a person behind the same address.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import os
import sqlite3
import time
from pathlib import Path

SWEEP_EVERY = 60.0
PERSON = "person"
ROBOT = "robot"


def network(address: str) -> str:
    """What a hit is counted against: an IPv4 address, or the /64 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return str(ip.ipv4_mapped)
            return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    except ValueError:
        return address
    return str(ip)


class RateLimit:
    """At most `count` hits per client within `seconds`, across processes."""

    def __init__(self, path: Path, count: int, seconds: int, key: str | bytes = b"") -> None:
        self.path = path
        self.count = int(count)
        self.seconds = int(seconds)
        self._key = key.encode() if isinstance(key, str) else key
        self._swept = 0.0
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_files(path)
        db = self._connect()
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_client ON hits (client, at)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_at ON hits (at)")
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        # A lost hit after a power cut is harmless here; an fsync per proposal is not free.
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def client_id(self, address: str, budget: str = PERSON) -> str:
        """What is stored for a client: a keyed hash of its network and budget, not the address."""
        client = f"{budget} {network(address)}"
        return hmac.new(self._key, client.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, address: str, budget: str = PERSON) -> bool:
        """Count one hit; False when the client is over the limit (not counted then)."""
        client = self.client_id(address, budget)
        now = time.time()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM hits WHERE at <= ?", (now - self.seconds,))
            (used,) = db.execute("SELECT COUNT(*) FROM hits WHERE client = ?", (client,)).fetchone()
            allowed = used < self.count
            if allowed:
                db.execute("INSERT INTO hits VALUES (?, ?)", (client, now))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        self._swept = now
        return allowed

    def sweep(self, force: bool = False) -> int:
        """Forget the clients whose window has passed; at most once a minute unless forced."""
        now = time.time()
        if not force and now - self._swept < SWEEP_EVERY:
            return 0
        self._swept = now
        db = self._connect()
        try:
            return db.execute("DELETE FROM hits WHERE at <= ?", (now - self.seconds,)).rowcount
        finally:
            db.close()


def _private_files(path: Path) -> None:
    """The database and SQLite's files beside it, readable by the site's user alone."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(file, 0o600)
