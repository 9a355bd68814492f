"""Turns the create-payment SQL that docs/api.md documents into a pgbench script.

The API documents the exact statements of its create-payment transaction in one ```sql block under
a heading that contains "create-payment transaction", with Npgsql-style `@name` parameters. This
module extracts that block (so the comparison follows the service when its SQL changes), replaces
each parameter by a pgbench expression that gives the same kind of value — unique ids and keys per
transaction, a random amount, the bench merchant — and writes the script into the run's work
directory. A parameter it does not know stops the benchmark with a message: it never guesses silently.

The group-commit anchor is different: `anchor/create-payment-v1.pgbench.sql` is frozen (one payment
per transaction, as the service ran it before batching), and `batched()` derives from it the same
statements for N payments in one transaction — the honest limit of batching on this database. Its
database is built from the frozen schema it was written for: the service's PostgreSQL migrations
0001-0007 (`anchor_schema()`), not from what the service migrates today.
"""
from __future__ import annotations

import hashlib
import os
import re

# A payment object as the API answers it (~480 bytes): the outbox payload is of this size, so pgbench
# writes as many bytes as the service does (a 201's idempotency row keeps no copy: it points at the event).
PAYMENT_JSON = ('{"id":"pay_pgb","object":"payment","status":"succeeded","amount":1999,"amount_capturable":0,'
                '"amount_captured":1999,"amount_refunded":0,"currency":"usd","card":{"brand":"visa","last4":"4242",'
                '"exp_month":12,"exp_year":2030},"description":"bench","metadata":{},"created":1795000000,'
                '"livemode":false,"failure_code":null,"failure_message":null,"padding":"' + "x" * 120 + '"}')

# With -M prepared every :variable becomes an untyped $n, so each carries a cast (else "-$3" is ambiguous).
# (pattern on the parameter name, SQL expression). pgbench variables: :uid is unique per transaction
# (random 63-bit), :amount random, :merchant comes from -D. Everything else is a constant of the right
# type and size. A name not listed stops the benchmark (it never guesses silently).
PARAMETER_RULES: list[tuple[str, str]] = [
    (r"^(idempotency_?key|key)$", "('pgb-' || :client_id::int || '-' || :uid::bigint)"),
    (r"^(payment_?id|id|object_?id)$", "('pay_pgb' || :uid::bigint)"),
    # A 201's idempotency row points at the event that holds its body (docs/api.md, Idempotency).
    (r"^((response_?)?event_?id)$", "('evt_pgb' || :uid::bigint)"),
    (r"^response_?body$", "''"),
    (r"^(refund_?id)$", "('re_pgb' || :uid::bigint)"),
    (r"^merchant(_?id)?$", "(:merchant::text)"),
    (r"^(amount|amount_?captured)$", "(:amount::bigint)"),
    (r"^amount_?(capturable|refunded)$", "0"),
    (r"^currency$", "'usd'"),
    (r"^status$", "'succeeded'"),
    (r"^card_?brand$", "'visa'"),
    (r"^card_?last4$", "'4242'"),
    (r"^card_?exp_?month$", "12"),
    (r"^card_?exp_?year$", "2030"),
    (r"^(card_?)?fingerprint$", "md5(:uid::text)"),
    (r"^description$", "'bench'"),
    (r"^metadata$", "'{}'"),
    (r"^(failure_?code|decline_?code|failure_?message|reason)$", "NULL"),
    (r"^(created|created_?at|now)$", "extract(epoch from now())::bigint"),
    (r"^event_?type$", "'payment.captured'"),
    # Colons become '=' (same size): pgbench would read ':name' inside a literal as one of its variables.
    (r"^(payload|body)$", "'" + PAYMENT_JSON.replace(":", "=").replace("'", "''") + "'"),
    (r"^request_?method$", "'POST'"),
    (r"^request_?path$", "'/v1/payments'"),
    (r"^request_?hash$", "encode(sha256(:uid::text::bytea), 'hex')"),
    (r"^(response_?)?status_?code$|^response_?status$", "201"),
    (r"^(key_?hash)$", "encode(sha256('bench'::bytea), 'hex')"),
]

# What the harness checks after the run: how many rows each side wrote (sanity, not a result).
COUNT_SQL = "SELECT count(*) FROM payments"

# Empties the tables a create-payment writes, in either side's database, so a work pair starts both sides on equal,
# empty tables (bench.py --pairs-start empty): the anchor's schema has the journal in ledger_entries, the service's
# (since migration 0008) in ledger_movements, so the tables are looked up. The transaction log refuses TRUNCATE by
# trigger (it is append-only); triggers do not fire for a session in the replica role, which only a superuser (the
# harness) can take.
EMPTY_SQL = ("SET session_replication_role = replica; "
             "DO $$ DECLARE tables text; BEGIN "
             "SELECT string_agg(quote_ident(c.relname), ', ') INTO tables FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname IN "
             "('payments', 'refunds', 'ledger_entries', 'ledger_movements', 'transaction_log', 'idempotency_keys', 'pending_voids'); "
             "EXECUTE 'TRUNCATE ' || tables; END $$")


def service_overrides() -> dict:
    """Environment for the benchmarked service beyond store and merchant (docs/configuration.md)."""
    # The benchmark pushes thousands of creates per second for one merchant: measure the service, not its limiter.
    # The stores log the batch sizes of group commit every 2 s (Information), which bench.py reads per concurrency.
    return {"Payments__RateLimit__PermitsPerSecond": "1000000", "Logging__LogLevel__Default": "Warning",
            "Logging__LogLevel__Payments.Api.Payments": "Information", "Payments__Batching__ReportEvery": "00:00:02"}


def extract_sql(api_md: str) -> str:
    text = open(api_md).read()
    heading = re.search(r"^#+ .*create-payment transaction.*$", text, re.IGNORECASE | re.MULTILINE)
    if heading is None:
        raise SystemExit(f"{api_md}: no heading containing 'create-payment transaction'; the benchmark needs the documented SQL")
    block = re.search(r"```sql\n(.*?)```", text[heading.end():], re.DOTALL)
    if block is None:
        raise SystemExit(f"{api_md}: no ```sql block after '{heading.group(0)}'")
    return block.group(1)


def generate(api_md: str, pg, database: str, merchant: str, api_key: str, out_path: str) -> tuple[str, dict]:
    sql = extract_sql(api_md)
    parameters = sorted(set(re.findall(r"(?<![@\w])@(\w+)", sql)))
    unknown = []
    expressions = {}
    for name in parameters:
        for pattern, expression in PARAMETER_RULES:
            if re.match(pattern, name, re.IGNORECASE):
                expressions[name] = expression
                break
        else:
            unknown.append(name)
    if unknown:
        raise SystemExit(f"bench/api/pgbench_script.py does not know the parameters {unknown} of the documented SQL; map them in PARAMETER_RULES")
    body = re.sub(r"(?<![@\w])@(\w+)", lambda m: expressions[m.group(1)], sql)
    statements = [s.strip() for s in body.split(";") if s.strip()]
    lines = [
        "-- Generated by bench/api/pgbench_script.py from the create-payment SQL in docs/api.md. Do not edit.",
        "\\set uid random(1, 9000000000000000000)",
        "\\set amount random(100, 99999)",
    ]
    has_transaction = any(s.upper().startswith(("BEGIN", "START TRANSACTION")) for s in statements)
    if not has_transaction:
        statements = ["BEGIN", *statements, "COMMIT"]
    # The service sends create-payment in two round trips (docs/api.md: the key look-up outside the
    # transaction, then BEGIN + the inserts + COMMIT as one batch; reads inside a transaction would go
    # with BEGIN before the first write). pgbench gets the same round trips through its pipeline mode,
    # so the baseline is the best the database does with these statements, not a
    # statement-per-round-trip client that would flatter the API.
    begin = next(i for i, s in enumerate(statements) if s.upper().startswith(("BEGIN", "START TRANSACTION")))
    split = begin if begin > 0 else next(
        (i for i, s in enumerate(statements) if s.upper().startswith(("INSERT", "UPDATE", "DELETE"))), len(statements))
    for group in (statements[:split], statements[split:]):
        if group:
            lines += ["\\startpipeline", *[s + ";" for s in group], "\\endpipeline"]
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    defines = {"merchant": merchant}
    _ = (pg, database, api_key)
    return out_path, defines


ANCHOR = "anchor/create-payment-v1.pgbench.sql"
# The schema the frozen anchor runs on: the service's PostgreSQL migrations before 0008, which replaced the two-row
# journal its statements write. Released migrations never change, so these files are the frozen schema; the hash
# (of the files concatenated in version order) makes sure of it.
ANCHOR_SCHEMA_MIGRATIONS = ("0001", "0007")
ANCHOR_SCHEMA_SHA256 = "ea8d2a349e864c278b4c98b9f127be40d430d220589bf9db588ed1f757e05f01"


def anchor_schema(migrations_dir: str) -> str:
    """The anchor's schema as one SQL text: migrations ANCHOR_SCHEMA_MIGRATIONS of `migrations_dir`, checked against
    ANCHOR_SCHEMA_SHA256 (a changed or missing file stops the benchmark: the anchor would no longer be frozen)."""
    first, last = ANCHOR_SCHEMA_MIGRATIONS
    names = sorted(n for n in os.listdir(migrations_dir) if n.endswith(".sql") and first <= n[:4] <= last)
    text = "".join(open(os.path.join(migrations_dir, n), encoding="utf-8").read() for n in names)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if len(names) != int(last) - int(first) + 1 or digest != ANCHOR_SCHEMA_SHA256:
        raise SystemExit(f"{migrations_dir}: migrations {first}-{last} ({len(names)} files, sha256 {digest}) are not the anchor's frozen "
                         f"schema (sha256 {ANCHOR_SCHEMA_SHA256}); a released migration must never change")
    return text


def batched(anchor_path: str, n: int, out_path: str, combined: bool = False) -> str:
    """The frozen anchor with N payments per transaction: one BEGIN and COMMIT, the per-payment statements
    repeated with their own unique id (:uid1..:uidN) and amount, in the same two pipelined round trips.

    combined: the inserts as the service sends a batch since it folds them (one INSERT per table for all N
    payments), each `INSERT ... VALUES (...)` becoming `INSERT ... SELECT v.* FROM generate_series(0, N-1) AS
    g(k), LATERAL (VALUES (...)) AS v` with payment k's id `:uid1 + k`; the look-ups stay one per payment."""
    if n < 1:
        raise ValueError("a batch holds at least one payment")
    lines = [line for line in open(anchor_path).read().splitlines() if line and not line.startswith("--")]
    sets = [line for line in lines if line.startswith("\\set ")]
    groups: list[list[str]] = []
    for line in lines:
        if line == "\\startpipeline":
            groups.append([])
        elif line != "\\endpipeline" and not line.startswith("\\set ") and groups:
            groups[-1].append(line)
    if len(groups) != 2 or groups[0][0] != "BEGIN;" or groups[1][-1] != "COMMIT;":
        raise SystemExit(f"{anchor_path}: expected two pipelines, BEGIN first and COMMIT last")

    def numbered(statement: str, k: int) -> str:
        # Variables are read as ":uid" and set as "\set uid"; each payment of the batch gets its own.
        return re.sub(r"(:|\\set )(uid|amount)\b", lambda m: f"{m.group(1)}{m.group(2)}{k}", statement)

    def folded(statement: str) -> str:
        insert = re.fullmatch(r"(INSERT INTO \w+ \([^()]*\)) VALUES (.*);", statement)
        if insert is None:
            raise SystemExit(f"{anchor_path}: cannot fold into one statement for {n} payments: {statement[:80]}")
        # Unique per payment: uid1 + k (uid1 is random below 9e18, so the sum stays a bigint). One amount for the batch.
        rows = re.sub(r":uid\b", "(:uid1::bigint + g.k)", insert.group(2)).replace(":amount", ":amount1")
        return f"{insert.group(1)} SELECT v.* FROM generate_series(0, {n - 1}) AS g(k), LATERAL (VALUES {rows}) AS v;"

    form = "one INSERT per table for all of them" if combined else "the statements repeated per payment"
    out = [f"-- {n} payments per transaction, {form}; derived by bench/api/pgbench_script.py batched() from {os.path.basename(anchor_path)}."]
    for k in range(1, n + 1):
        out += [numbered(line, k) for line in sets]
    out += ["\\startpipeline", "BEGIN;"]
    out += [numbered(s, k) for k in range(1, n + 1) for s in groups[0][1:]]
    out += ["\\endpipeline", "\\startpipeline"]
    out += [folded(s) for s in groups[1][:-1]] if combined else [numbered(s, k) for k in range(1, n + 1) for s in groups[1][:-1]]
    out += ["COMMIT;", "\\endpipeline"]
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")
    return out_path
