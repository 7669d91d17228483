"""The job processes' set-up: logging to the job's log file and a quick exit."""

import subprocess
import sys

_JOB = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))  # runs last
from papertopics.logs import setup_logging
log = setup_logging(sys.argv[1])
log.info("last words")
print("frozen before exit:", gc.get_freeze_count() > 0)
"""


def test_a_job_flushes_its_log_and_skips_the_last_collection_at_exit(tmp_path):
    path = tmp_path / "logs" / "job.log"
    done = subprocess.run(
        [sys.executable, "-c", _JOB, str(path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["frozen before exit: False", "frozen at exit: True"]
    assert path.read_text().rstrip().endswith("INFO papertopics: last words")


def test_an_uncaught_error_is_logged_as_the_jobs_failure(tmp_path):
    path = tmp_path / "job.log"
    code = "from papertopics.logs import setup_logging\nsetup_logging(__import__('sys').argv[1])\n"
    code += "raise ValueError('listing.txt: no papers')"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "CRITICAL papertopics: job failed: listing.txt: no papers" in path.read_text()
