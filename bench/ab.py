#!/usr/bin/env python3
"""Two builds of kql on one command, run alternately (A B, B A, ...) so that the
machine's drift (this VM's wall times swing by a third from one minute to the next)
falls on both alike. Prints, per binary, the fastest and median wall time and user CPU
time of N runs. Standard library only.

    python3 bench/ab.py N OLD_KQL NEW_KQL -- run QUERY.kql --data DIR

Keep the old build with `cp target/release/kql /tmp/kql-old` before rebuilding.
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[4] != "--":
        sys.exit(__doc__)
    n, bins, args = int(sys.argv[1]), sys.argv[2:4], sys.argv[5:]
    # (By position: the same binary twice is a check of the noise.)
    walls, users = [[], []], [[], []]
    for i in range(n):
        for k in (0, 1) if i % 2 == 0 else (1, 0):
            start = time.perf_counter()
            p = subprocess.Popen([bins[k]] + args, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            if status != 0:
                sys.exit(f"{bins[k]} exited with status {status >> 8}")
            walls[k].append(time.perf_counter() - start)
            users[k].append(ru.ru_utime)
    for k, b in enumerate(bins):
        w, u = sorted(walls[k]), sorted(users[k])
        print(f"{'AB'[k]} {b}: wall fastest {w[0]:.3f} s, median {statistics.median(w):.3f} s | "
              f"user fastest {u[0]:.3f} s, median {statistics.median(u):.3f} s")

if __name__ == "__main__":
    main()
