"""What a request may cost: CPU per password hash for OWASP's scrypt settings,
and the memory the worst 64 KiB bodies take once parsed (docs/security.md,
"Resource budget" and "Password hashing").

Run it in the db-api image, on one CPU:
    docker run --rm -i --cpus 1 --entrypoint python roomservice/db-api:latest - < bench/tools/costs.py
CPU time (``process_time``, best of five) holds steady on a busy machine,
where wall time does not.
"""

import hashlib
import json
import time
import tracemalloc
from urllib.parse import parse_qsl

BODY = 64 * 1024
SCRYPT = [(2**14, 8, 1), (2**17, 8, 1), (2**16, 8, 2), (2**15, 8, 3), (2**14, 8, 5), (2**13, 8, 10)]


def hash_cpu(n: int, r: int, p: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        hashlib.scrypt(
            b"correct horse", salt=b"0123456789abcdef", n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64
        )
        best = min(best, time.process_time() - started)
    return best


def parsed_peak(parse, body: str) -> float:
    tracemalloc.start()
    parse(body)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    for n, r, p in SCRYPT:
        print(
            f"scrypt N=2^{n.bit_length() - 1} r={r} p={p}: {hash_cpu(n, r, p) * 1000:.0f} ms CPU, "
            f"{128 * n * r // 2**20} MiB"
        )
    bodies = {
        "JSON [{},{},...]": (json.loads, '{"pad":[' + ",".join(["{}"] * ((BODY - 10) // 3)) + "]}"),
        "JSON [0,0,...]": (json.loads, '{"pad":[' + ",".join(["0"] * ((BODY - 10) // 2)) + "]}"),
        "form a=&a=&...": (lambda b: parse_qsl(b, keep_blank_values=True), "&".join(["a="] * (BODY // 3))),
    }
    for name, (parse, body) in bodies.items():
        print(f"{name} ({len(body)} bytes): {parsed_peak(parse, body):.1f} MiB parsed")


if __name__ == "__main__":
    main()
