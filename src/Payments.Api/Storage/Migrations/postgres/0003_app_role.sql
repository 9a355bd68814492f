-- The service's least-privilege role (docs/architecture.md, database users). Migrations run as the
-- owner; the app logs in as a member of payments_app, which may read and write rows and nothing else:
-- no DDL, no TRUNCATE, no ownership. Roles are cluster-wide, so creating it tolerates another
-- database (or a concurrent migration) having created it first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payments_app') THEN
    CREATE ROLE payments_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;

GRANT USAGE ON SCHEMA public TO payments_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO payments_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO payments_app;
-- Tables and sequences that later migrations create (as the owner) are granted the same way.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO payments_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO payments_app;
