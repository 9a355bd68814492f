#!/usr/bin/env python3
"""Idle latency on SQLite: several published builds of the service at c=1, one database each in one directory, in
rounds that rotate which build goes first, and per-round ratios (the machine's noise between rounds is wider than
the differences being judged, so only builds measured side by side are compared).

  bench/api/idle.py ROUNDS SECONDS NAME=DLL [NAME=DLL ...]

  IDLE_DIR  where the databases go (default: a temp directory under /tmp). /dev/shm takes the device's flush away:
            fsync returns at once on tmpfs, so synchronous=FULL costs what the code costs and nothing more.
  IDLE_WARMUP seconds of load on each build before the rounds (default 5).
  IDLE_CONCURRENCY  wrk's connections (default 1, idle); with more, each round also prints creates/s and p99, to
            see what a change that helps at idle costs under load, on the same builds and disk.

Prints the latency of a 4 KiB overwrite plus fdatasync in that directory first (what one flush costs there), then
each round's p50 and, per build, the service's CPU time per create (more work, rather than more waiting), and per
pair of builds the median and range of the per-round ratio of p50. See docs/benchmarks.md.
"""
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def flush_cost_ms(directory: str, writes: int = 1000) -> float:
    path = os.path.join(directory, "flush-probe")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"\0" * 4096 * 64)
        os.fsync(fd)
        times = []
        for i in range(writes):
            os.lseek(fd, (i % 64) * 4096, 0)
            started = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fdatasync(fd)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000
    finally:
        os.close(fd)
        os.unlink(path)


def main() -> None:
    if len(sys.argv) < 4 or any("=" not in a for a in sys.argv[3:]):
        sys.exit(__doc__)
    rounds, seconds = int(sys.argv[1]), int(sys.argv[2])
    builds = [tuple(a.split("=", 1)) for a in sys.argv[3:]]
    names = [name for name, _ in builds]
    warm_up = int(os.environ.get("IDLE_WARMUP", "5"))
    concurrency = int(os.environ.get("IDLE_CONCURRENCY", "1"))
    work = tempfile.mkdtemp(prefix="idle-", dir=os.environ.get("IDLE_DIR"))
    os.chmod(work, 0o755)
    merchant, key = "acct_bench", "sk_test_bench_" + uuid.uuid4().hex
    print(f"4 KiB overwrite + fdatasync in {work}: {flush_cost_ms(work):.3f} ms (median)", flush=True)
    services = {}
    try:
        for name, dll in builds:
            directory = os.path.join(work, name)
            os.makedirs(os.path.join(directory, "data"))
            env = bench.service_env("Sqlite", f"Data Source={os.path.join(directory, 'data', 'payments.db')}", merchant, key)
            services[name] = bench.Service(env, directory, os.path.join(work, f"{name}.log"), "api", dll)
        for name, service in services.items():
            bench.run_wrk(service.url, concurrency, warm_up, key, service.process.pid, None, work, f"warm-{name}")
        p50 = {name: [] for name in names}
        cpu = {name: [] for name in names}
        rps = {name: [] for name in names}
        for i in range(rounds):
            for name in names[i % len(names):] + names[:i % len(names)]:
                result = bench.run_wrk(services[name].url, concurrency, seconds, key, services[name].process.pid, None, work, f"{name}-{i}")
                p50[name].append(result["p50_ms"])
                rps[name].append(result["rps"])
                if concurrency > 1:
                    print(f"  {name}: {result['rps']:.0f} creates/s, p99 {result['p99_ms']:.2f} ms", flush=True)
                cpu[name].append(1e6 * result["cpu_s"]["service"] / max(1, result["created"]))
            print(f"round {i + 1}: " + "  ".join(f"{name} {p50[name][-1]:.3f}" for name in names), flush=True)
        for name in names:
            print(f"{name}: p50 median {statistics.median(p50[name]):.3f} ms (rounds {min(p50[name]):.3f}-{max(p50[name]):.3f}), "
                  f"service CPU per create median {statistics.median(cpu[name]):.0f} us"
                  + (f", creates/s median {statistics.median(rps[name]):.0f}" if concurrency > 1 else ""))
        for a in names:
            for b in names[names.index(a) + 1:]:
                ratios = [x / y for x, y in zip(p50[a], p50[b])]
                print(f"{a}/{b} per round: median {statistics.median(ratios):.3f} ({min(ratios):.2f}-{max(ratios):.2f})")
                if concurrency > 1:
                    ratios = [x / y for x, y in zip(rps[a], rps[b])]
                    print(f"{a}/{b} creates/s per round: median {statistics.median(ratios):.3f} ({min(ratios):.2f}-{max(ratios):.2f})")
    finally:
        for service in services.values():
            service.stop()


if __name__ == "__main__":
    main()
