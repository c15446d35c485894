#!/usr/bin/env python3
"""Server CPU of a TransactWriteItems of 25 puts against 25 separate PutItems, in one run.

  python3 tests/bench/txn_bench.py [--seconds 5] [--rounds 3]

Starts ddbd (in memory, SigV4 verification on, one I/O thread) and replays pre-signed requests
with wrk (as tests/bench/compare.py does): a PutItem of one ~1 KB item, and a
TransactWriteItems putting 25 such items. Reports server CPU per request (utime + stime from
/proc) and the ratio CPU(transaction of 25) / (25 x CPU(PutItem)), median of the rounds.
Requires build/release/ddbd and wrk.
"""

import argparse
import statistics

import compare


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = [{"pk": {"S": f"key{i}"}, "pad": {"S": "x" * 960}} for i in range(25)]
    put_body = {"TableName": "bench", "Item": items[0]}
    txn_body = {"TransactItems": [{"Put": {"TableName": "bench", "Item": item}} for item in items]}
    put_cpu, txn_cpu = [], []
    for _ in range(args.rounds):
        proc, port, _, _ = compare.start_ddbd()
        try:
            compare.prepare(port)
            p = compare.wrk(port, proc.pid, "PutItem", put_body, args.seconds)
            t = compare.wrk(port, proc.pid, "TransactWriteItems", txn_body, args.seconds)
            assert p and t and not p["errors"] and not t["errors"], (p, t)
            put_cpu.append(p["cpu_us"])
            txn_cpu.append(t["cpu_us"])
        finally:
            proc.terminate()
            proc.wait()
    p, t = statistics.median(put_cpu), statistics.median(txn_cpu)
    print(f"PutItem (1 item)                       {p:8.1f} us CPU/request  {sorted(put_cpu)}")
    print(f"TransactWriteItems (25 puts)           {t:8.1f} us CPU/request  {sorted(txn_cpu)}")
    print(f"25 x PutItem                           {25 * p:8.1f} us")
    print(f"transaction / 25 PutItems              {t / (25 * p):8.3f} x  (goal < 1)")


if __name__ == "__main__":
    main()
