# SPDX-License-Identifier: MIT
"""W4: `tier run` on Dask against the single-process CLI (docs/distributed.md, "Figures").

    PYTHONPATH=bindings/python LIBTIER_PATH=build/libtier.so.0 /usr/bin/python3 \\
        tests/bench/dask_w4.py --tier build/tier --gen build/tier_dask_gen_w1 \\
        --transactions 100000000 --customers 9999999 --partitions 64 --workers 2 \\
        --memory-limit 6GiB --workdir /tmp/w4 [--no-cli]        (GNU time: Debian's `time`)

Generates the log with gen_w1 (once per size), runs libtier.dask on a LocalCluster of worker
processes (the log read in blocks of the CSV, so customers span partitions), writes the result,
and reports: wall time of the distributed run (and of its phases), peak resident memory of each
worker process, bytes moved between workers (the workers' transfer logs: the shuffle and every
pass), and the same run of the CLI (wall time, peak memory, identity of the sorted outputs)
unless --no-cli. Timings on a shared machine are noisy: compare within one invocation.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from typing import Any, Dict, List


def worker_facts(dask_worker: Any) -> Dict[str, int]:
    """On a worker: its peak RSS (bytes) and the bytes it received from and sent to peers."""
    def total(log: Any) -> int:
        return int(sum(int(e.get("total", 0)) for e in log))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    state = getattr(dask_worker, "state", dask_worker)  # the new names first, then the old
    incoming = (getattr(dask_worker, "transfer_incoming_log", None)
                or getattr(state, "transfer_incoming_log", None)
                or getattr(dask_worker, "incoming_transfer_log", None) or [])
    outgoing = (getattr(dask_worker, "transfer_outgoing_log", None)
                or getattr(dask_worker, "outgoing_transfer_log", None) or [])
    return {"peak_rss": peak, "in": total(incoming), "out": total(outgoing)}


def sorted_file(path: str, out: str) -> None:
    """Header first, then the rows sorted bytewise (LC_ALL=C sort, out of core)."""
    with open(path, "rb") as fh:
        head = fh.readline()
    with open(out, "wb") as fh:
        fh.write(head)
    subprocess.run("tail -n +2 '%s' | LC_ALL=C sort -S 1G >> '%s'" % (path, out), shell=True,
                   check=True, env=dict(os.environ, LC_ALL="C"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tier", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--transactions", type=int, default=100_000_000)
    ap.add_argument("--customers", type=int, default=9_999_999)  # gen_w1 ids have 7 digits
    ap.add_argument("--partitions", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="6GiB")
    ap.add_argument("--workdir", default="/tmp/w4")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--no-cli", action="store_true")
    args = ap.parse_args()

    import dask.dataframe as dd
    import distributed
    import libtier.dask as ltd

    os.makedirs(args.workdir, exist_ok=True)
    log = os.path.join(args.workdir, "w4-%d-%d.csv" % (args.transactions, args.customers))
    if not os.path.exists(log):
        t = time.time()
        subprocess.run([args.gen, "--transactions", str(args.transactions), "--customers",
                        str(args.customers), "--seed", str(args.seed), "--out", log], check=True)
        print("generated %s in %.1f s" % (log, time.time() - t))
    size = os.path.getsize(log)
    report: List[str] = ["transactions %d, customers %d, %d bytes of CSV, %d partitions, %d workers"
                         % (args.transactions, args.customers, size, args.partitions,
                            args.workers)]

    cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                       processes=True, memory_limit=args.memory_limit,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        t0 = time.time()
        txns = dd.read_csv(log, dtype={"customer_id": str, "date": str},
                           blocksize=max(1 << 20, size // args.partitions + 1))
        run = ltd.Run(txns, npartitions=args.partitions)
        t1 = time.time()
        out = os.path.join(args.workdir, "dask.csv")
        rows = run.write_csv(out)
        t2 = time.time()
        facts = client.run(worker_facts)
        report.append("figures:\n" + run.figures.decode("utf-8", "replace"))
        report.append("dask: %.1f s wall (shuffle and books %.1f s, models %.1f s, figures "
                      "%.1f s, output %.1f s), %d rows, %s"
                      % (t2 - t0, run.seconds["shuffle"], run.seconds["models"],
                         run.seconds["figures"], t2 - t1, rows, run.stats))
        for addr, f in sorted(facts.items()):
            report.append("  worker %s: peak RSS %.0f MiB, received %.1f MiB, sent %.1f MiB"
                          % (addr, f["peak_rss"] / 2**20, f["in"] / 2**20, f["out"] / 2**20))
        report.append("  between workers: %.1f MiB in all"
                      % (sum(f["in"] for f in facts.values()) / 2**20))
    finally:
        client.close()
        cluster.close()

    if not args.no_cli:
        cli_out = os.path.join(args.workdir, "cli.csv")
        t = time.time()
        # GNU time's %M: the CLI's own peak (RUSAGE_CHILDREN would count the worker processes).
        done = subprocess.run(["/usr/bin/time", "-f", "%M", args.tier, "run", "--quiet",
                               "--input", log, "--out", cli_out], check=True,
                              stderr=subprocess.PIPE)
        peak_kib = int(done.stderr.decode().strip().splitlines()[-1])
        report.append("cli: %.1f s wall, peak RSS %.0f MiB" % (time.time() - t, peak_kib / 1024))
        sorted_file(cli_out, cli_out + ".sorted")
        sorted_file(out, out + ".sorted")
        same = subprocess.run(["cmp", "-s", cli_out + ".sorted", out + ".sorted"]).returncode == 0
        report.append("identical after sorting: %s" % ("yes" if same else "NO"))
    print("\n".join(report))
    sys.exit(0)


if __name__ == "__main__":
    main()
