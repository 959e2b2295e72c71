"""Schemathesis against the published OpenAPI document, through Nginx.

Generated requests for every public operation, logged in: no answer may be
a 5xx, and every answer must match the document (status code, content type,
body schema).
"""

import shutil
import subprocess
import sys
from pathlib import Path

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_the_api_holds_its_published_schema(base_url, logged_in):
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is not installed in this venv (make venv)"
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{base_url}/api/v1/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--request-timeout",
            "10",
            "--generation-deterministic",
            "--header",
            f"Cookie: session={logged_in.cookies.get('session')}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
