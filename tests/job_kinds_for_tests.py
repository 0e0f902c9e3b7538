"""A deliberately slow job kind, loaded by workers through GATEWAY_JOB_MODULES in deployment tests."""

from __future__ import annotations

import time

from assessor.services.jobs import JobKind, JobOutput, register


def _anyone(user, params):
    return None


def _slow(params, user, progress):
    progress("Working slowly on purpose")
    time.sleep(float(params.get("seconds", 3)))
    return JobOutput("slow.txt", "text/plain", b"finished after a pause")


SLOW_KIND = JobKind("Slow test job", _anyone, _slow)
register("slow_test", SLOW_KIND)
