"""What the profiling scripts share: cProfile's top functions printed, and their callers on demand."""

import cProfile
import io
import os
import pstats


def print_top(profile: cProfile.Profile, *, sort: str, top: int) -> None:
    """The `top` functions by `sort`; with PROFILE_CALLERS=<pattern> in the environment, who called those
    matching it."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(sort)
    stats.print_stats(top)
    if os.environ.get("PROFILE_CALLERS"):
        stats.print_callers(os.environ["PROFILE_CALLERS"])
    print(out.getvalue())
