"""Every knob of `make bench`, read once from the environment (bench/run.sh passes them)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field


def _int(environ, name: str, default: int) -> int:
    return int(environ.get(name, default))


def _float(environ, name: str, default: float) -> float:
    return float(environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    duration: int = 10  # seconds per wrk/WebSocket run
    rounds: int = 3  # interleaved rounds per group of peers
    conns: int = 50  # wrk connections
    threads: int = 2  # wrk threads
    warmup: int = 2  # seconds per peer before the rounds, not counted
    sockets: int = 1000  # P7/P9
    broadcasts: int = 50  # P7
    profile_s: int = 8  # py-spy seconds
    open_loop_share: float = 0.7  # P5': offered rate as a share of the closed-loop peak
    fleet_sockets: int = 10000  # P10
    fleet_broadcasts: int = 10  # P10
    fleet_accounts: int = 50  # P10/P11: sockets are spread over this many accounts
    capacity_step: int = 1000  # P11: clients added per step
    capacity_max: int = 12000  # P11: stop here even if it still passes
    capacity_sample: int = 20  # P11: broadcasts per step
    capacity_broadcasters: int = 4  # P11: concurrent broadcasters
    capacity_limit_ms: float = 500.0  # P11: "reaches everyone within"
    capacity_percentile: float = 0.95  # P11: share of broadcasts that must
    loadtest_users: str = "30"
    loadtest_spawn: str = "5"
    loadtest_duration: str = "60s"
    skip: frozenset[str] = field(default_factory=frozenset)
    only: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_env(cls, environ=os.environ) -> Settings:
        words = lambda name: frozenset(environ.get(name, "").lower().split())  # noqa: E731
        return cls(
            duration=_int(environ, "BENCH_DURATION", 10),
            rounds=_int(environ, "BENCH_ROUNDS", 3),
            conns=_int(environ, "BENCH_CONNS", 50),
            threads=_int(environ, "BENCH_THREADS", 2),
            warmup=_int(environ, "BENCH_WARMUP", 2),
            sockets=_int(environ, "BENCH_SOCKETS", 1000),
            broadcasts=_int(environ, "BENCH_BROADCASTS", 50),
            profile_s=_int(environ, "BENCH_PROFILE_SECONDS", 8),
            open_loop_share=_float(environ, "BENCH_OPEN_LOOP_SHARE", 0.7),
            fleet_sockets=_int(environ, "BENCH_FLEET_SOCKETS", 10000),
            fleet_broadcasts=_int(environ, "BENCH_FLEET_BROADCASTS", 10),
            fleet_accounts=_int(environ, "BENCH_FLEET_ACCOUNTS", 50),
            capacity_step=_int(environ, "BENCH_CAPACITY_STEP", 1000),
            capacity_max=_int(environ, "BENCH_CAPACITY_MAX", 12000),
            capacity_sample=_int(environ, "BENCH_CAPACITY_SAMPLE", 20),
            capacity_broadcasters=_int(environ, "BENCH_CAPACITY_BROADCASTERS", 4),
            capacity_limit_ms=_float(environ, "BENCH_CAPACITY_LIMIT_MS", 500.0),
            capacity_percentile=_float(environ, "BENCH_CAPACITY_PERCENTILE", 0.95),
            loadtest_users=environ.get("USERS", "30"),
            loadtest_spawn=environ.get("SPAWN_RATE", "5"),
            loadtest_duration=environ.get("DURATION", "60s"),
            skip=words("BENCH_SKIP"),
            only=words("BENCH_ONLY"),
        )

    def wants(self, key: str) -> bool:
        """``BENCH_ONLY`` (if set) names the groups to run; ``BENCH_SKIP`` leaves some out."""
        key = key.lower()
        return (not self.only or key in self.only) and key not in self.skip

    def to_json(self) -> dict:
        data = asdict(self)
        data["skip"], data["only"] = sorted(self.skip), sorted(self.only)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Settings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["skip"] = frozenset(known.get("skip", ()))
        known["only"] = frozenset(known.get("only", ()))
        return cls(**known)
