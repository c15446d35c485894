#!/usr/bin/env python3
"""Write throughput while backups are taken, against without, in one run.

  python3 tests/bench/backup_bench.py [--items 100000] [--seconds 5] [--rounds 3]

Starts ddbd (in memory, one I/O thread), loads `--items` items of about 200 bytes, then runs
ddbd-bench's PutItem load (4 connections) for `--seconds` at a time, alternately alone and while
a client takes backups of the table back to back (CreateBackup, then DescribeBackup until it is
AVAILABLE, again), `--rounds` times each. Reports the PutItem rate of every window, the medians
and their ratio (the issue's goal: at least 0.90, a drop of 10 % at most), and how many backups
were taken. Requires build/release/ddbd, build/release/ddbd-bench and boto3.
"""

import argparse
import statistics
import threading
import time

import compare


def backups_while(port, stop, taken):
    ddb = compare.boto_client(port)
    while not stop.is_set():
        arn = ddb.create_backup(TableName="bench", BackupName="bench")["BackupDetails"]["BackupArn"]
        while ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
                "BackupStatus"] != "AVAILABLE":
            time.sleep(0.2)
        ddb.delete_backup(BackupArn=arn)
        taken.append(arn)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    compare.EXTRA[:] = ["--threads", "1"]
    proc, port, _, _ = compare.start_ddbd()
    try:
        ddb = compare.boto_client(port)
        ddb.create_table(TableName="bench", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        compare.batch_load(port, "bench", 0, args.items,
                           lambda i: {"pk": {"S": f"item{i}"}, "pad": {"S": "x" * 180}})
        alone, during, taken = [], [], []
        for _ in range(args.rounds):
            alone.append(compare.bench(port, "put=1", args.seconds,
                                       ["--keys", str(args.items)])["ops"])
            stop = threading.Event()
            worker = threading.Thread(target=backups_while, args=(port, stop, taken))
            worker.start()
            during.append(compare.bench(port, "put=1", args.seconds,
                                        ["--keys", str(args.items)])["ops"])
            stop.set()
            worker.join()
        print(f"PutItem ops/s alone:          {', '.join(f'{x:.0f}' for x in alone)}")
        print(f"PutItem ops/s during backups: {', '.join(f'{x:.0f}' for x in during)}")
        print(f"backups taken: {len(taken)} of {args.items} items each, "
              f"{len(taken) / (args.rounds * args.seconds):.2f} per second")
        ratio = statistics.median(during) / statistics.median(alone)
        print(f"median during / alone: {ratio:.3f}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
