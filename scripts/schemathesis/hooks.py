"""schemathesis hooks for scripts/schemathesis.sh.

The fuzzer reuses a few example values of Idempotency-Key across different
bodies; the API rightly refuses that with 422 (same key, another request),
which the positive-data check would report. A valid generated key gets a
unique suffix so each generated request is a first attempt; invalid keys
(too long) are left alone for the negative checks; long valid ones are cut
to make room for the suffix. Keyed retries are tested
in api/idempotency_test.go.
"""
import uuid

import schemathesis

KEY = "Idempotency-Key"
MAX_KEY = 200


@schemathesis.hook
def before_call(context, case, kwargs):
    """Runs before every request of every phase (map_headers misses the coverage phase)."""
    headers = case.headers
    if headers and isinstance(headers.get(KEY), str) and len(headers[KEY]) <= MAX_KEY:
        headers[KEY] = headers[KEY][: MAX_KEY - 33] + "-" + uuid.uuid4().hex
