# Per-commit cost of SQLite WAL with synchronous NORMAL vs FULL, for the shape of umpin's writes:
# a PIN reset (UPDATE of the PIN row + history + INSERT of an audit record + UPDATE of the head, one
# transaction) and a sign-in (the reservation UPDATE in autocommit, then the success UPDATE).
import os, sqlite3, statistics, sys, tempfile, time
N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
def run(sync):
    d = tempfile.mkdtemp(dir=os.environ.get("BENCH_DIR", "/tmp"))
    c = sqlite3.connect(os.path.join(d, "b.db"), isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute(f"PRAGMA synchronous={sync}")
    c.execute("CREATE TABLE pins (mailbox TEXT PRIMARY KEY, sealed BLOB, failed INTEGER, version INTEGER)")
    c.execute("CREATE TABLE audit (seq INTEGER PRIMARY KEY, rec TEXT, link BLOB)")
    c.execute("CREATE TABLE head (id INTEGER PRIMARY KEY, seq INTEGER)"); c.execute("INSERT INTO head VALUES (1, 0)")
    for i in range(1000):
        c.execute("INSERT INTO pins VALUES (?, ?, 0, 1)", (f"m{i}", os.urandom(120)))
    resets, signins = [], []
    for i in range(N):
        t = time.perf_counter()
        c.execute("BEGIN IMMEDIATE")
        c.execute("UPDATE pins SET sealed=?, failed=0, version=version+1 WHERE mailbox=?", (os.urandom(120), f"m{i%1000}"))
        c.execute("INSERT INTO audit VALUES (?, ?, ?)", (i + 1, "x" * 300, os.urandom(32)))
        c.execute("UPDATE head SET seq=? WHERE id=1", (i + 1,))
        c.execute("COMMIT")
        resets.append(time.perf_counter() - t)
        t = time.perf_counter()
        c.execute("UPDATE pins SET failed=failed+1 WHERE mailbox=?", (f"m{i%1000}",))
        c.execute("UPDATE pins SET failed=0 WHERE mailbox=?", (f"m{i%1000}",))
        signins.append(time.perf_counter() - t)
    ms = lambda xs: f"median {statistics.median(xs)*1000:.3f} ms, p95 {sorted(xs)[int(len(xs)*.95)]*1000:.3f} ms"
    print(f"synchronous={sync}: reset transaction {ms(resets)}; sign-in statements (2 commits) {ms(signins)}")
for s in ("NORMAL", "FULL"):
    run(s)
