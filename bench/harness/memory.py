"""Resident memory of a service's processes, read inside its container from /proc."""

from __future__ import annotations

from harness.shell import last_json, run

RSS_SCRIPT = r"""
import json, os
procs = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        continue
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmRSS" not in fields:
        continue
    procs.append({"pid": int(pid), "ppid": int(fields["PPid"]), "rss_kb": int(fields["VmRSS"].split()[0])})
for p in procs:
    try:
        fds = os.listdir(f"/proc/{p['pid']}/fd")
    except OSError:
        fds = []
    p["sockets"] = sum(1 for fd in fds if os.readlink(f"/proc/{p['pid']}/fd/{fd}").startswith("socket:"))
workers = [p for p in procs if p["ppid"] == 1]
print(json.dumps({"workers": workers, "all": procs, "open_sockets": sum(w["sockets"] for w in workers)}))
"""


def rss(container: str) -> dict:
    """``rss_kb``: the gunicorn workers' RSS (children of PID 1); ``total_kb``: every process's."""
    data = last_json(run(["docker", "exec", container, "python", "-c", RSS_SCRIPT]))
    data["rss_kb"] = sum(w["rss_kb"] for w in data["workers"])
    data["total_kb"] = sum(p["rss_kb"] for p in data["all"])
    return data
