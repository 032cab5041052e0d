"""A per-client limit on proposals, shared by every worker through one SQLite file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


class RateLimit:
    """At most `count` hits per client within `seconds`, across processes."""

    def __init__(self, path: Path, count: int, seconds: int) -> None:
        self.path = path
        self.count = count
        self.seconds = seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_client ON hits (client, at)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def hit(self, client: str) -> bool:
        """Count one hit; False when the client is over the limit (not counted then)."""
        now = time.time()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM hits WHERE at < ?", (now - self.seconds,))
            (used,) = db.execute("SELECT COUNT(*) FROM hits WHERE client = ?", (client,)).fetchone()
            allowed = used < self.count
            if allowed:
                db.execute("INSERT INTO hits VALUES (?, ?)", (client, now))
            db.execute("COMMIT")
            return allowed
        finally:
            db.close()
