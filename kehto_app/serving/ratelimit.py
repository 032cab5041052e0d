"""A per-client limit on proposals, shared by every worker through one SQLite file.

Each gunicorn worker is its own process, so an in-memory counter would let N workers
accept N times the limit. SQLite in the instance folder needs no extra service: a
`BEGIN IMMEDIATE` transaction serialises the check-and-count of every process. Clients
are stored as a keyed hash of their address, and only for the limit's window.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import time
from pathlib import Path

SWEEP_EVERY = 60.0


class RateLimit:
    """At most `count` hits per client within `seconds`, across processes."""

    def __init__(self, path: Path, count: int, seconds: int, key: str | bytes = b"") -> None:
        self.path = path
        self.count = int(count)
        self.seconds = int(seconds)
        self._key = key.encode() if isinstance(key, str) else key
        self._swept = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
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

    def client_id(self, address: str) -> str:
        """What is stored for a client: a keyed hash of its address, not the address."""
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, address: str) -> bool:
        """Count one hit; False when the client is over the limit (not counted then)."""
        client = self.client_id(address)
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
