-- Tesela control schema, version 2: where a tenant in database isolation keeps its tables.
--
-- db_isolation (from version 1) is now always written: table | database. For
-- database isolation, db_server names the server (default = TESELA_DB_URL, or
-- one of TESELA_DB_SERVERS) and db_name the tenant's own database (a schema on
-- PostgreSQL and H2). Both stay NULL in table isolation. No two tenants share a
-- database.

ALTER TABLE ${prefix}tenants ADD db_server VARCHAR(32);
ALTER TABLE ${prefix}tenants ADD db_name VARCHAR(64);
ALTER TABLE ${prefix}tenants ADD CONSTRAINT ${prefix}tenants_db_uq UNIQUE (db_server, db_name);
