#!/usr/bin/env python3
"""Speed of activerecord as a ratio to the raw DB-API driver, measured in one run.

Each workload runs the same SQL shapes twice per repetition, once through the driver
with hand-written SQL and once through the ORM, alternating so both see the same
machine; the report is the median time of each and the median of the ratios of the
two runs of each repetition (x raw, lower is better). A workload runs ``--reps`` times at least, and a short one more often, until
each side has run for MIN_SECONDS (at most MAX_REPS times; the "runs" column). Every
workload checks that both sides computed the same result.

    python bench/bench.py --backends sqlite,postgresql,mysql --reps 5 [--scale 1.0]

URLs: sqlite in a temporary folder; PostgreSQL and MySQL from AR_BENCH_POSTGRESQL_URL /
AR_BENCH_MYSQL_URL (default: the servers of scripts/pg-up.sh and scripts/mariadb-up.sh).
Each workload gets freshly created tables; each backend is measured in a process of
its own (``--in-process`` measures them in this one).
"""

from __future__ import annotations

import argparse
import math
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import activerecord  # noqa: E402
from activerecord import Model, transaction  # noqa: E402

DEFAULT_URLS = {
    "postgresql": "postgresql://orm:orm@127.0.0.1:56432/orm_test",
    "mysql": "mysql://orm:orm@127.0.0.1:33706/orm_test?charset=utf8mb4",
}
DDL = {
    "sqlite": "CREATE TABLE bench_users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL,"
              " email VARCHAR(200) NOT NULL, age INTEGER NOT NULL, created_at TIMESTAMP NOT NULL)",
    "postgresql": "CREATE TABLE bench_users (id SERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                  " email VARCHAR(200) NOT NULL, age INTEGER NOT NULL,"
                  " created_at TIMESTAMP NOT NULL)",
    "mysql": "CREATE TABLE bench_users (id INT AUTO_INCREMENT PRIMARY KEY,"
             " name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL, age INT NOT NULL,"
             " created_at DATETIME(6) NOT NULL) ENGINE=InnoDB",
}


POSTS_DDL = {
    "sqlite": "CREATE TABLE bench_posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL"
              " REFERENCES bench_users (id), title VARCHAR(200) NOT NULL)",
    "postgresql": "CREATE TABLE bench_posts (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL"
                  " REFERENCES bench_users (id), title VARCHAR(200) NOT NULL)",
    "mysql": "CREATE TABLE bench_posts (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,"
             " title VARCHAR(200) NOT NULL, FOREIGN KEY (user_id) REFERENCES bench_users (id))"
             " ENGINE=InnoDB",
}


class BenchUser(Model):
    table_name = "bench_users"
    posts = activerecord.has_many("BenchPost", foreign_key="user_id")


class BenchPost(Model):
    table_name = "bench_posts"
    user = activerecord.belongs_to("BenchUser", foreign_key="user_id")


#: A workload repeats until each side has run this long (seconds), at most MAX_REPS times.
MIN_SECONDS = 1.0
MAX_REPS = 101


def raw_connect(db):
    """A plain driver connection to the same database (not from the ORM's pool)."""
    return db.adapter.connect()


class Raw:
    """The floor: the driver, hand-written SQL, one transaction where the ORM has one."""

    def __init__(self, db):
        self.conn = raw_connect(db)
        self.ph = db.dialect.placeholder
        self.returning = db.features.supports_returning
        self.begin = db.dialect.begin_sql

    def _cur(self):
        return self.conn.cursor()

    def insert(self, rows):
        p = self.ph
        sql = f"INSERT INTO bench_users (name, email, age, created_at) VALUES ({p}, {p}, {p}, {p})"
        cur = self._cur()
        cur.execute(self.begin, ())
        total = 0
        for r in rows:
            if self.returning:
                cur.execute(sql + " RETURNING id", r)
                total += cur.fetchone()[0]
            else:
                cur.execute(sql, r)
                total += cur.lastrowid
        cur.execute("COMMIT", ())
        return total

    def fetch_all(self):
        cur = self._cur()
        cur.execute("SELECT id, name, email, age, created_at FROM bench_users", ())
        return sum(r[3] for r in cur.fetchall())

    def get_pk(self, ids):
        cur = self._cur()
        sql = f"SELECT id, name, email, age, created_at FROM bench_users WHERE id = {self.ph}"
        total = 0
        for i in ids:
            cur.execute(sql, (i,))
            total += cur.fetchone()[3]
        return total

    def filter(self, ages):
        cur = self._cur()
        sql = (f"SELECT id, name, email, age, created_at FROM bench_users WHERE age > {self.ph}"
               " ORDER BY name LIMIT 20")
        total = 0
        for x in ages:
            cur.execute(sql, (x,))
            total += sum((k + 1) * r[0] for k, r in enumerate(cur.fetchall()))
        return total

    def update(self, ids):
        p = self.ph
        cur = self._cur()
        cur.execute(self.begin, ())
        for i in ids:
            cur.execute(f"SELECT id, name, email, age, created_at FROM bench_users WHERE id = {p}",
                        (i,))
            row = cur.fetchone()
            cur.execute(f"UPDATE bench_users SET age = {p} WHERE id = {p}", (row[3] + 1, i))
        cur.execute("COMMIT", ())
        return len(ids)

    def aggregate(self, ages):
        cur = self._cur()
        total = 0.0
        for i, x in enumerate(ages):
            if i % 2 == 0:
                cur.execute(f"SELECT COUNT(*) FROM bench_users WHERE age = {self.ph}", (x,))
            else:
                cur.execute(f"SELECT AVG(age) FROM bench_users WHERE age BETWEEN {self.ph} "
                            f"AND {self.ph}", (x, x + 2))
            value = cur.fetchone()[0]
            total += float(value or 0)
        return total

    def includes(self, _n):
        cur = self._cur()
        cur.execute("SELECT id, name, email, age, created_at FROM bench_users", ())
        users = cur.fetchall()
        ids = [u[0] for u in users]
        marks = ", ".join([self.ph] * len(ids))
        cur.execute(f"SELECT id, user_id, title FROM bench_posts WHERE user_id IN ({marks})",
                    ids)
        by_user = {}
        for row in cur.fetchall():
            by_user.setdefault(row[1], []).append(row)
        return sum(len(p[2]) for u in users for p in by_user.get(u[0], ()))

    def close(self):
        self.conn.close()


class ORM:
    """The same work through models."""

    def insert(self, rows):
        total = 0
        with transaction():
            for name, email, age, created in rows:
                total += BenchUser.create(name=name, email=email, age=age,
                                          created_at=created).id
        return total

    def fetch_all(self):
        return sum(u.age for u in BenchUser.all())

    def get_pk(self, ids):
        return sum(BenchUser.find(i).age for i in ids)

    def filter(self, ages):
        total = 0
        for x in ages:
            rel = BenchUser.where(BenchUser.c.age > x).order("name").limit(20)
            total += sum((k + 1) * u.id for k, u in enumerate(rel))
        return total

    def update(self, ids):
        with transaction():
            for i in ids:
                u = BenchUser.find(i)
                u.age += 1
                u.save()
        return len(ids)

    def aggregate(self, ages):
        total = 0.0
        for i, x in enumerate(ages):
            if i % 2 == 0:
                total += BenchUser.where(age=x).count()
            else:
                total += float(BenchUser.where(age=range(x, x + 3)).average("age") or 0)
        return total

    def includes(self, _n):
        return sum(len(p.title) for u in BenchUser.includes("posts") for p in u.posts)

    def close(self):
        pass


def make_rows(n, seed=7):
    rnd = random.Random(seed)
    base = dt.datetime(2024, 1, 1)
    return [(f"user{rnd.randrange(10**6):06d}", f"u{i}@example.com", rnd.randrange(18, 80),
             base + dt.timedelta(seconds=i)) for i in range(n)]


def reset_table(db, rows=None, posts=0):
    """Fresh bench_users (with ``rows``) and bench_posts (``posts`` per user)."""
    db.execute("DROP TABLE IF EXISTS bench_posts")
    db.execute("DROP TABLE IF EXISTS bench_users")
    db.execute(DDL[db.adapter.name])
    db.execute("CREATE INDEX bench_users_name ON bench_users (name)")
    db.execute("CREATE INDEX bench_users_age ON bench_users (age)")
    db.execute(POSTS_DDL[db.adapter.name])
    db.execute("CREATE INDEX bench_posts_user ON bench_posts (user_id)")
    BenchUser.reset_column_information()
    if rows:
        conn = raw_connect(db)
        p = db.dialect.placeholder
        cur = conn.cursor()
        cur.execute(db.dialect.begin_sql, ())
        cur.executemany(f"INSERT INTO bench_users (name, email, age, created_at) "
                        f"VALUES ({p}, {p}, {p}, {p})", rows)
        if posts:
            cur.executemany(f"INSERT INTO bench_posts (user_id, title) VALUES ({p}, {p})",
                            [(u, f"post {k} of user {u}") for u in range(1, len(rows) + 1)
                             for k in range(posts)])
        cur.execute("COMMIT", ())
        conn.close()
    # Statistics, as a live database has them: without them PostgreSQL may keep a
    # generic plan (a sequential scan) for a prepared IN list, for both sides alike.
    for table in ("bench_users", "bench_posts"):
        db.execute(("ANALYZE TABLE " if db.adapter.name == "mysql" else "ANALYZE ") + table)
    BenchPost.reset_column_information()


def check_includes_queries(db):
    """The includes workload must send exactly 2 statements (users, then posts)."""
    from activerecord.testing import capture_sql
    with capture_sql() as sql:
        ORM().includes(0)
    if len(sql) != 2:
        raise SystemExit(f"includes('posts') sent {len(sql)} statements, not 2: {sql}")


def run_backend(name, url, reps, scale):
    db = activerecord.connect(url, name=f"bench-{name}", default=True)
    n_rows, n_insert = int(20000 * scale), int(5000 * scale)
    n_get, n_filter, n_update, n_agg = (int(2000 * scale), int(500 * scale),
                                        int(2000 * scale), int(2000 * scale))
    n_authors = int(2000 * scale)
    rnd = random.Random(11)
    seed_rows = make_rows(n_rows)
    ids = [rnd.randrange(1, n_rows + 1) for _ in range(n_get)]
    ages = [rnd.randrange(18, 80) for _ in range(max(n_filter, n_agg))]
    workloads = [
        (f"insert {n_insert}, one at a time (1 txn)", "insert", (make_rows(n_insert, 3),), True),
        (f"fetch {n_rows} objects", "fetch_all", (), False),
        (f"{n_get} lookups by primary key", "get_pk", (ids,), False),
        (f"{n_filter} x age > x ORDER BY name LIMIT 20", "filter", (ages[:n_filter],), False),
        (f"update {n_update}, load/change/save (1 txn)", "update", (ids[:n_update],), False),
        (f"{n_agg} count / avg queries", "aggregate", (ages[:n_agg],), False),
        (f"{n_authors} users x 5 posts, includes('posts'), read every title", "includes",
         (n_authors,), False),
    ]
    results = []
    counts: dict[str, int] = {}
    for label, method, args, fresh in workloads:
        times = {"raw": [], "orm": []}
        checks = {}
        if method == "includes":
            reset_table(db, make_rows(args[0], 5), posts=5)
            check_includes_queries(db)
        elif not fresh:
            reset_table(db, seed_rows)
        rep = 0
        # At least ``reps`` repetitions, and more for a short workload (a fast one is
        # at the mercy of one scheduler hiccup): until each side has run MIN_SECONDS.
        while rep < reps or (rep < MAX_REPS and min(map(sum, times.values())) < MIN_SECONDS):
            order = ("raw", "orm") if rep % 2 == 0 else ("orm", "raw")
            rep += 1
            for side in order:
                if fresh:
                    reset_table(db)
                impl = Raw(db) if side == "raw" else ORM()
                start = time.perf_counter()
                value = getattr(impl, method)(*args)
                times[side].append(time.perf_counter() - start)
                impl.close()
                checks.setdefault(side, value)
                if method == "update":  # both sides add 1 per id: compare per pass
                    checks[side] = value
        counts[label] = rep
        raw_ms = statistics.median(times["raw"]) * 1000
        orm_ms = statistics.median(times["orm"]) * 1000
        # Each repetition runs both sides back to back: the median of their ratios
        # compares the two under the same machine state (this VM's speed drifts).
        ratio = statistics.median(o / r for o, r in zip(times["orm"], times["raw"]))
        # AVG's precision differs by database (MySQL: 4 decimals): compare closely.
        same = "" if math.isclose(checks["raw"], checks["orm"], rel_tol=1e-4) \
            else " (!) results differ"
        results.append((label, raw_ms, orm_ms, ratio, same, counts[label]))
    version = db.features.server_version
    db.execute("DROP TABLE IF EXISTS bench_posts")  # leave the database as it was
    db.execute("DROP TABLE IF EXISTS bench_users")
    db.close()
    return version, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-title", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--in-process", action="store_true",
                        help="measure the backends in this process (by default each "
                             "runs in a fresh one)")
    args = parser.parse_args(argv)
    names = args.backends.split(",")
    if not args.in_process:
        print(f"# activerecord vs the raw driver\n\nmedian of at least {args.reps} "
              f"repetitions, scale {args.scale}; Python {sys.version.split()[0]}\n",
              flush=True)
        # One process a backend: the objects one backend's runs leave make the next
        # one's garbage collections longer, so results would depend on the order.
        for name in names:
            subprocess.run([sys.executable, os.path.abspath(__file__), "--backends", name,
                            "--reps", str(args.reps), "--scale", str(args.scale),
                            "--in-process", "--no-title"], check=True)
        return
    if not args.no_title:
        print(f"# activerecord vs the raw driver\n\nmedian of at least {args.reps} "
              f"repetitions, scale {args.scale}; Python {sys.version.split()[0]}\n")
    for name in names:
        if name == "sqlite":
            url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
        else:
            url = os.environ.get(f"AR_BENCH_{name.upper()}_URL", DEFAULT_URLS[name])
        version, results = run_backend(name, url, args.reps, args.scale)
        print(f"## {name} {'.'.join(map(str, version))}\n")
        print("| workload | runs | raw | activerecord | x raw |\n|---|---:|---:|---:|---:|")
        for label, raw_ms, orm_ms, ratio, note, runs in results:
            print(f"| {label} | {runs} | {raw_ms:.1f} ms | {orm_ms:.1f} ms | "
                  f"{ratio:.2f}{note} |")
        print(flush=True)


if __name__ == "__main__":
    main()
