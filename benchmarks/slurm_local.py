"""Run the pipeline through SLURM on this machine: a one-node cluster, the profile, checks.

Usage (as root; installs Debian's slurm-wlm and munge when they are missing):
    .venv/bin/python benchmarks/slurm_local.py                 # the bundled listings
    .venv/bin/python benchmarks/slurm_local.py --days 12       # 12 days of real listings
    .venv/bin/python benchmarks/slurm_local.py --compare-local # and time a run without SLURM
    .venv/bin/python benchmarks/slurm_local.py --stop          # only stop the daemons

Starts munged, slurmctld and slurmd on localhost with a slurm.conf written to --state at run
time (one node with this machine's CPUs and memory, `slurmd -C`), checks `sinfo` and
`srun hostname`, runs `snakemake --profile profiles/slurm` on a scratch copy of the listings
(evaluation off), then checks that every job went through SLURM (the executor's "submitted
with SLURM jobid" lines against slurmctld's job records) and that the report and tables
exist. Prints the wall time and the jobs per rule as JSON; stops the daemons it started at
the end (unless --keep-running). Safe to run again: it first stops what a previous run left.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from common import ROOT, SHARED, make_workdir, run_workflow, snakemake_command

PROFILE = ROOT / "profiles" / "slurm"
MUNGE_PID = Path("/run/munge/munged.pid")
#: Where srun looks inside a job: the slurm-jobstep executor drops SLURM_CONF from the
#: environment of the srun it starts, so the file must be at Slurm's default place.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
MARK = "# Written by benchmarks/slurm_local.py"
SLURM_CONF = """\
# Written by benchmarks/slurm_local.py: a one-node cluster on this machine.
# Removed again by `slurm_local.py --stop` (and at the end of every run).
ClusterName=papertopics
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPort={port}
SlurmdPort={slurmd_port}
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/slurmd
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd, so no sacct: finished jobs are kept for squeue and logged to a file.
JobCompType=jobcomp/filetxt
JobCompLoc={state}/jobcomp.log
MinJobAge=3600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName=local Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def sh(*command: str, env: dict | None = None, check: bool = True, timeout: float = 120) -> str:
    """Run a command; its stdout (stderr joins it in the error message)."""
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def ensure_packages() -> None:
    """Install slurm-wlm and munge with apt when their daemons are missing."""
    if all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "munged", "sbatch")):
        return
    if os.geteuid() != 0:
        raise SystemExit("slurm-wlm and munge are missing: apt-get install slurm-wlm munge")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing slurm-wlm and munge with apt-get", file=sys.stderr)
    sh("apt-get", "update", "-qq", env=env, timeout=600)
    sh("apt-get", "install", "-y", "-qq", "slurm-wlm", "munge", env=env, timeout=1200)


def alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop_pidfile(pidfile: Path, wait: float = 15) -> bool:
    """Stop the daemon whose id is in ``pidfile`` (SIGTERM, then SIGKILL); True if one ran."""
    try:
        pid = int(pidfile.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return False
    if not alive(pid):
        pidfile.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    return True


class LocalSlurm:
    """munged, slurmctld and slurmd on this machine, with their state in one folder.

    Args:
        state: Folder for slurm.conf, state, logs and pid files.
        port: slurmctld's port (slurmd uses the next one).
    """

    def __init__(self, state: Path, port: int = 6817):
        self.state = state.resolve()
        self.port = port
        self.conf = self.state / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.started_munge = False

    def write_conf(self) -> None:
        """slurm.conf for one node with the CPUs and memory that ``slurmd -C`` reports.

        Written to the state folder and to /etc/slurm/slurm.conf, which must not hold
        another cluster's configuration.
        """
        if SYSTEM_CONF.exists() and not SYSTEM_CONF.read_text().startswith(MARK):
            raise SystemExit(f"{SYSTEM_CONF} exists and is not ours: this machine has a cluster")
        node = dict(re.findall(r"(\w+)=(\S+)", sh("slurmd", "-C")))
        self.state.mkdir(parents=True, exist_ok=True)
        for sub in ("ctld", "slurmd"):
            (self.state / sub).mkdir(exist_ok=True)
        self.conf.write_text(
            SLURM_CONF.format(
                host=node["NodeName"],
                cpus=node["CPUs"],
                memory=node["RealMemory"],
                port=self.port,
                slurmd_port=self.port + 1,
                state=self.state,
            )
        )
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.conf, SYSTEM_CONF)

    def start(self) -> None:
        """Start munged (unless one runs), slurmctld with a clean state, and slurmd."""
        self.stop()
        self.write_conf()
        if sh("munge", "-n", check=False) == "":
            for folder in ("/run/munge", "/var/log/munge", "/var/lib/munge"):
                Path(folder).mkdir(parents=True, exist_ok=True)
                shutil.chown(folder, "munge", "munge")
            sh("runuser", "-u", "munge", "--", "munged")
            self.started_munge = True
            (self.state / "started_munge").touch()
        (self.state / "jobcomp.log").unlink(missing_ok=True)
        sh("slurmctld", "-f", str(self.conf), "-c")  # -c: forget jobs of an earlier run
        sh("slurmd", "-f", str(self.conf))
        deadline = time.monotonic() + 60
        while "idle" not in sh("sinfo", "-h", "-o", "%t", env=self.env, check=False):
            if time.monotonic() > deadline:
                raise SystemExit(f"the node never became idle; see {self.state}/slurmctld.log")
            time.sleep(0.5)

    def check(self) -> dict:
        """``sinfo`` and ``srun hostname``: the cluster runs jobs."""
        sinfo = sh("sinfo", "-h", "-o", "%P %a %D %t %c %m", env=self.env).split()
        host = sh("srun", "hostname", env=self.env, timeout=60).strip()
        return {
            "partition": sinfo[0].rstrip("*"),
            "cpus": int(sinfo[4]),
            "memory_mb": int(sinfo[5]),
            "srun_hostname": host,
        }

    def jobs(self) -> dict[str, dict]:
        """Every job slurmctld knows (kept for MinJobAge): id -> name, comment, state."""
        out = sh("squeue", "-h", "-t", "all", "-o", "%i|%j|%k|%T", env=self.env)
        jobs = {}
        for line in out.splitlines():
            job_id, name, comment, state = line.split("|", 3)
            jobs[job_id] = {"name": name, "comment": comment, "state": state}
        return jobs

    def job_log(self) -> dict[str, dict]:
        """Finished jobs as slurmctld logged them (JobCompType=jobcomp/filetxt): id -> fields."""
        path = self.state / "jobcomp.log"
        lines = path.read_text().splitlines() if path.exists() else []
        records = (dict(re.findall(r"(\w+)=(\S*)", line)) for line in lines)
        return {record["JobId"]: record for record in records if "JobId" in record}

    def stop(self) -> None:
        """Stop slurmd, slurmctld and, when this script started it, munged."""
        if self.conf.exists():
            sh("scontrol", "shutdown", env=self.env, check=False, timeout=30)
        for name in ("slurmd.pid", "slurmctld.pid"):
            stop_pidfile(self.state / name)
        flag = self.state / "started_munge"
        if flag.exists():
            stop_pidfile(MUNGE_PID)
            flag.unlink()
        if SYSTEM_CONF.exists() and SYSTEM_CONF.read_text().startswith(MARK):
            SYSTEM_CONF.unlink()


def listings(days: int, folder: Path) -> list[Path]:
    """The bundled listings, or ``days`` days of real listings from ../shared."""
    if not days:
        return sorted((ROOT / "data" / "seeds").glob("*.txt"))
    if folder.exists():
        shutil.rmtree(folder)
    tool = SHARED / "tools" / "make_listings.py"
    sh(sys.executable, str(tool), str(folder), "--days", str(days), "--only-ml", timeout=600)
    return sorted(folder.glob("*.txt"))


def run_pipeline(cluster: LocalSlurm, work: Path, status_seconds: int) -> tuple[float, str]:
    """``snakemake --profile profiles/slurm`` in ``work``; wall seconds and its log."""
    command = snakemake_command(
        work,
        "--profile",
        str(PROFILE),
        # This one-node cluster: no accounts (no slurmdbd), so no sacct either; rules asking
        # for more threads than the node has get the node's CPUs.
        "--slurm-no-account",
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        str(status_seconds),
        "--max-threads",
        str(os.cpu_count() or 1),
        "--latency-wait",
        "5",
    )
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=work, env=cluster.env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    log = done.stdout + done.stderr
    (work / "snakemake_slurm.log").write_text(log)
    if done.returncode:
        raise SystemExit(f"snakemake failed ({done.returncode}):\n{log[-4000:]}")
    return wall, log


def verify(cluster: LocalSlurm, work: Path, log: str) -> dict:
    """Every rule's job was a SLURM job that completed, and the outputs are there."""
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log))
    known = cluster.jobs()
    missing = [job for job in submitted.values() if known.get(job, {}).get("state") != "COMPLETED"]
    if not submitted or missing:
        raise SystemExit(f"no SLURM jobs, or not completed: {missing}")
    rules = {job: re.sub(r"^rule_|_wildcards_.*$", "", known[job]["comment"]) for job in known}
    per_rule = Counter(rules[job] for job in submitted.values())
    finished = cluster.job_log()
    seconds = Counter()
    for job in submitted.values():
        record = finished.get(job)
        if record is None:
            raise SystemExit(f"SLURM job {job} is not in {cluster.state}/jobcomp.log")
        start, end = (datetime.fromisoformat(record[key]) for key in ("StartTime", "EndTime"))
        seconds[rules[job]] += (end - start).total_seconds()
    outputs = ["results/report.html", "results/tables/papers.csv"]
    absent = [path for path in outputs if not (work / path).is_file()]
    if absent:
        raise SystemExit(f"missing outputs: {absent}")
    summaries = sorted((work / "results" / "interim" / "embedded").glob("*.json"))
    encoded = [json.loads(path.read_text())["encoded"] for path in summaries]
    embed_log = (work / "logs" / "embed.log").read_text()
    return {
        "slurm_jobs": len(submitted),
        "slurm_jobs_per_rule": dict(sorted(per_rule.items())),
        "slurm_job_seconds_per_rule": dict(sorted(seconds.items())),
        "slurm_job_seconds": sum(seconds.values()),
        "texts_encoded_per_listing_job": encoded,
        "embed_job_log_tail": embed_log.strip().splitlines()[-1],
        "papers": sum(1 for _ in (work / "results/tables/papers.csv").open()) - 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", type=Path, default=Path("/tmp/papertopics-slurm/state"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/papertopics-slurm/work"))
    parser.add_argument("--days", type=int, default=0, help="real listings instead of seeds")
    parser.add_argument(
        "--status-seconds",
        type=int,
        default=5,
        help="seconds before the executor's first status check (the plugin's default is 40)",
    )
    parser.add_argument(
        "--compare-local",
        action="store_true",
        help="also run the same listings without SLURM (snakemake --cores N) and time it",
    )
    parser.add_argument("--keep-running", action="store_true", help="leave the daemons up")
    parser.add_argument("--stop", action="store_true", help="only stop the daemons")
    parser.add_argument("--out", type=Path, help="also write the result JSON here")
    args = parser.parse_args()

    cluster = LocalSlurm(args.state)
    if args.stop:
        cluster.stop()
        return
    ensure_packages()
    files = listings(args.days, args.work.parent / "listings")
    work = make_workdir(args.work, files)
    try:
        cluster.start()
        result = {"cluster": cluster.check(), "listings": len(files)}
        wall, log = run_pipeline(cluster, work, args.status_seconds)
        result["wall_s"] = round(wall, 1)
        result.update(verify(cluster, work, log))
    finally:
        if not args.keep_running:
            cluster.stop()
    if args.compare_local:
        local = make_workdir(args.work.parent / "local", files)
        cores = os.cpu_count() or 1
        result["local_wall_s"] = round(run_workflow(local, cores), 1)
        result["local_cores"] = cores
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
