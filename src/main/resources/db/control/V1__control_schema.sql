-- Tesela control schema, version 1.
--
-- Tables of the multi-tenant control plane. Here the prefix placeholder is
-- the root prefix (e.g. tsl__); each tenant gets its own copy of the tenant
-- schema under a prefix or database of its own. The placeholders are the
-- same as in the tenant schema (prefix, id, ts, text, blob, bool, cs,
-- table_options).

-- Plans come first: tenants refer to them.
CREATE TABLE ${prefix}tenant_plans (
    id VARCHAR(16) NOT NULL,
    limits_json ${text},                            -- JSON object of limits
    env_enc ${blob},                                -- encrypted, serialised environment overrides
    created_at ${ts} NOT NULL,
    updated_at ${ts} NOT NULL,
    PRIMARY KEY (id)
)${table_options};

CREATE TABLE ${prefix}tenants (
    id VARCHAR(16) NOT NULL,
    hostname VARCHAR(255) NOT NULL,
    plan_id VARCHAR(16),
    limits_json ${text},                            -- JSON object, overrides the plan limits
    env_enc ${blob},                                -- encrypted, serialised environment overrides
    is_enabled ${bool} DEFAULT TRUE NOT NULL,
    db_isolation VARCHAR(16),                       -- table | database, NULL = installation default
    created_at ${ts} NOT NULL,
    updated_at ${ts} NOT NULL,
    last_job_at ${ts},
    PRIMARY KEY (id),
    CONSTRAINT ${prefix}tenants_hostname_uq UNIQUE (hostname)
)${table_options};

CREATE INDEX ${prefix}tenants_plan_id_ix ON ${prefix}tenants (plan_id);
CREATE INDEX ${prefix}tenants_is_enabled_last_job_at_ix ON ${prefix}tenants (is_enabled, last_job_at);

ALTER TABLE ${prefix}tenants ADD CONSTRAINT ${prefix}tenants_plan_id_fk
    FOREIGN KEY (plan_id) REFERENCES ${prefix}tenant_plans (id) ON DELETE SET NULL;

-- Usage snapshot per tenant, refreshed by a background job.
CREATE TABLE ${prefix}tenant_stats (
    tenant_id VARCHAR(16) NOT NULL,
    updated_at ${ts} NOT NULL,
    users BIGINT DEFAULT 0 NOT NULL,
    files BIGINT DEFAULT 0 NOT NULL,
    albums BIGINT DEFAULT 0 NOT NULL,
    tags BIGINT DEFAULT 0 NOT NULL,
    storage_used BIGINT DEFAULT 0 NOT NULL,         -- bytes
    admins BIGINT DEFAULT 0 NOT NULL,
    managers BIGINT DEFAULT 0 NOT NULL,
    pages BIGINT DEFAULT 0 NOT NULL,
    storages BIGINT DEFAULT 0 NOT NULL,
    categories BIGINT DEFAULT 0 NOT NULL,
    file_views BIGINT DEFAULT 0 NOT NULL,
    album_views BIGINT DEFAULT 0 NOT NULL,
    file_likes BIGINT DEFAULT 0 NOT NULL,
    album_likes BIGINT DEFAULT 0 NOT NULL,
    PRIMARY KEY (tenant_id)
)${table_options};

ALTER TABLE ${prefix}tenant_stats ADD CONSTRAINT ${prefix}tenant_stats_tenant_id_fk
    FOREIGN KEY (tenant_id) REFERENCES ${prefix}tenants (id) ON DELETE CASCADE;

-- Keys for the tenant-management API. Only a hash of the key is stored.
CREATE TABLE ${prefix}tenant_api_keys (
    id ${id},
    name VARCHAR(100),
    key_hash VARCHAR(255) NOT NULL,
    created_at ${ts} NOT NULL,
    expires_at ${ts},                               -- NULL = never
    CONSTRAINT ${prefix}tenant_api_keys_name_uq UNIQUE (name)
)${table_options};

-- Internal values of the control plane (schema version at init, secrets...).
CREATE TABLE ${prefix}control_variables (
    var_key VARCHAR(64)${cs} NOT NULL,
    var_value ${text},
    PRIMARY KEY (var_key)
)${table_options};
