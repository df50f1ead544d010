#!/usr/bin/env python3
"""What one journal row costs SQLite (BENCHMARKS.md, issue 12, fifth part).

Inserts 10,000 rows shaped like BoboSync's journal (`records`, as migrated)
in two transactions into a table that already holds 100,000, with the
table's indexes, AUTOINCREMENT and foreign keys each left out in turn, and
prints microseconds per row. `--sorted` inserts each transaction's rows
ordered by employee ID. Python's sqlite3 only: nothing of BoboSync runs.

    python3 crates/bench/scripts/journal_rows.py [--sorted]
"""
import json
import os
import random
import sqlite3
import sys
import tempfile
import time

SORTED = "--sorted" in sys.argv
COLUMNS = "batch_id,employee_id,duty,local_time,at,file,line,action,action_json,login,reason,state"


def rows(batch, n):
    out = []
    for line in range(n):
        employee = "%05d" % random.randrange(5000)
        sent = random.random() < 0.6
        out.append((
            batch, employee, "BON", "2025-01-01T00:00:00", "2025-01-01T00:00:00Z",
            "BOBO_x.csv", line, "set" if sent else "superseded",
            json.dumps({"Set": {"login": "user" + employee}}) if sent else '{"Superseded":{}}',
            ("user%s@force.example" % employee) if sent else None,
            "", "pending" if sent else "superseded",
        ))
    if SORTED:
        out.sort(key=lambda r: r[1])
    return out


def run(label, autoincrement=True, foreign_keys=True, by_employee=True, by_login=True, by_batch=True):
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(os.path.join(folder, "journal.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=%s" % ("ON" if foreign_keys else "OFF"))
        db.execute("CREATE TABLE batches (id INTEGER PRIMARY KEY)")
        db.execute("""CREATE TABLE records (
            id INTEGER PRIMARY KEY %s, batch_id INTEGER NOT NULL REFERENCES batches(id),
            employee_id TEXT, duty TEXT, local_time TEXT, at TEXT, file TEXT NOT NULL,
            line INTEGER NOT NULL, action TEXT NOT NULL, action_json TEXT, login TEXT,
            reason TEXT NOT NULL, state TEXT NOT NULL, details TEXT, athoc_user_id INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0)""" % ("AUTOINCREMENT" if autoincrement else ""))
        if by_batch:
            db.execute("CREATE INDEX records_by_batch ON records(batch_id)")
        if by_employee:
            db.execute("CREATE INDEX records_by_employee ON records(employee_id)")
        if by_login:
            db.execute("CREATE INDEX records_by_login ON records(login) WHERE login IS NOT NULL")
        insert = "INSERT INTO records (%s) VALUES (%s)" % (COLUMNS, ",".join("?" * 12))
        db.execute("BEGIN")
        for batch in range(1, 21):
            db.execute("INSERT INTO batches (id) VALUES (?)", (batch,))
            db.executemany(insert, rows(batch, 5000))
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timed = []
        for batch in (1000, 1001):
            db.execute("INSERT INTO batches (id) VALUES (?)", (batch,))
            timed.append(rows(batch, 5000))
        start = time.perf_counter()
        for batch_rows in timed:
            db.execute("BEGIN")
            db.executemany(insert, batch_rows)
            db.execute("COMMIT")
        elapsed = time.perf_counter() - start
        db.close()
    print("%-40s %5.2f µs/row" % (label, elapsed / 10000 * 1e6))


random.seed(1)
run("as migrated")
run("without AUTOINCREMENT", autoincrement=False)
run("without foreign keys", foreign_keys=False)
run("without records_by_employee", by_employee=False)
run("without records_by_login", by_login=False)
run("without records_by_batch", by_batch=False)
run("without any index", by_employee=False, by_login=False, by_batch=False)
