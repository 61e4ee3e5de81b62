-- PostgreSQL roles and database for gongtiao, with the least privileges each needs.
--
--   sudo -u postgres GONGTIAO_OWNER_PASSWORD=... GONGTIAO_APP_PASSWORD=... \
--     psql -X -v ON_ERROR_STOP=1 -f deploy/postgresql-roles.sql
--
-- Safe to run again (it only creates what is missing); run it again after the first
-- `gongtiao db upgrade`, and after a restore, to (re)apply the grants on the tables.
-- Names may be changed with -v owner=... -v app=... -v db=... (defaults below).
-- Passwords come from the environment (never a command line that `ps` shows); without them the
-- roles get none (peer or trust authentication, as in the tests).
--
-- gongtiao_owner  owns the database, its schema and every table: runs `gongtiao db upgrade`
--                 (gongtiao-migrate.service) and `gongtiao restore`. No login for the web processes.
-- gongtiao_app    what `gongtiao serve` and the other commands use at run time:
--                 CONNECT; SELECT/INSERT/UPDATE/DELETE on the tables (UPDATE also for SELECT ... FOR
--                 UPDATE row locks); USAGE/SELECT on the sequences (serial ids; SELECT lets the backup,
--                 pg_dump, read them). Nothing else is needed: LISTEN/NOTIFY (hub/events.py, rtc/relay.py)
--                 and advisory locks (hub/audit_chain.py: pg_try_advisory_xact_lock) need no privilege.
--                 No CREATE, no TRUNCATE (which would bypass the audit log's append-only row
--                 trigger), no DDL; on audit_events and audit_links only SELECT and INSERT.

\if :{?owner}
\else
  \set owner gongtiao_owner
\endif
\if :{?app}
\else
  \set app gongtiao_app
\endif
\if :{?db}
\else
  \set db gongtiao
\endif
\getenv owner_password GONGTIAO_OWNER_PASSWORD
\getenv app_password GONGTIAO_APP_PASSWORD

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
\if :{?owner_password}
  ALTER ROLE :"owner" PASSWORD :'owner_password';
\endif
\if :{?app_password}
  ALTER ROLE :"app" PASSWORD :'app_password';
\endif

-- UTF-8 with the C.UTF-8 locale (present on every Debian): byte order, no locale surprises.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
              :'db', :'owner', 'UTF8', 'C.UTF-8', 'C.UTF-8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";

\connect :"db"
-- PostgreSQL 15: the public schema belongs to the database owner (our owner role) and PUBLIC may not
-- create in it. Take even USAGE away from PUBLIC and give it to the app alone.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Whatever the owner creates from now on (migrations, a restore) is open to the app this far:
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";

-- ... and what exists already (on a second run: after migrations or a restore).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.audit_events FROM %I', 'public', :'app')
WHERE to_regclass('public.audit_events') IS NOT NULL \gexec
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.audit_links FROM %I', 'public', :'app')
WHERE to_regclass('public.audit_links') IS NOT NULL \gexec
