"""Scale-out tests: replicas behind Nginx and zero-downtime rollouts.

They reshape the stack under test (replica counts, new containers), so they
run last, in the same stack.
"""

import pytest
from e2e.stack import run_script


@pytest.fixture(scope="session")
def two_of_each(base_url):
    run_script("scale.sh", env={"WEB": "2", "WS": "2", "API": "2"})
    return base_url
