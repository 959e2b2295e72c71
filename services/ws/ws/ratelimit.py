"""A per-connection token bucket: "20 frames/s, bursts of 40" (docs/websocket.md).

It lives in the connection, not in Redis: one socket is one TCP connection
held by one replica, so there is nothing to share and no round trip to pay.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def allow(self) -> bool:
        """Take one token if there is one."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def retry_after(self) -> int:
        """Whole seconds until a token is back (at least 1)."""
        return max(1, math.ceil((1 - self.tokens) / self.rate))
