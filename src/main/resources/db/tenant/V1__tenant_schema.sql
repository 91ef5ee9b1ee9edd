-- Tesela tenant schema, version 1.
--
-- One copy of these tables exists per site (tenant). Portable across H2 2.x,
-- MariaDB 10.11 and PostgreSQL 15: every vendor difference goes through a
-- Flyway placeholder supplied by the application:
--   prefix         table/index/constraint name prefix (e.g. tsl_ or tsl_acme_)
--   id             auto-increment BIGINT primary key definition
--   ts             timestamp type; every timestamp is stored in UTC
--   text / blob    long text / binary types
--   bool           boolean type
--   cs             case-sensitive collation suffix for a VARCHAR (MariaDB only)
--   table_options  trailing CREATE TABLE options (MariaDB only)
--
-- Conventions: counters are denormalised and maintained by the application.
-- Columns restricted to a closed set of values are VARCHARs; the allowed
-- values are listed in a comment next to the column. Indexes are created
-- before the foreign keys that use them, so that MariaDB does not add
-- indexes of its own.

-- ---------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}users (
    id ${id},
    username VARCHAR(16) NOT NULL,                  -- stored lower-cased
    email VARCHAR(255),                             -- stored lower-cased, optional
    display_name VARCHAR(255),
    role VARCHAR(16) DEFAULT 'user' NOT NULL,       -- user | manager | admin
    status VARCHAR(32) DEFAULT 'valid' NOT NULL,    -- valid | awaiting-confirmation | awaiting-email | banned
    is_private ${bool} DEFAULT FALSE NOT NULL,
    timezone VARCHAR(64),
    language VARCHAR(16),
    bio VARCHAR(255),
    website VARCHAR(255),
    avatar_key VARCHAR(255)${cs},                   -- storage key of the avatar image
    background_key VARCHAR(255)${cs},               -- storage key of the profile background
    show_nsfw ${bool} DEFAULT FALSE NOT NULL,       -- show NSFW content of others in listings
    keep_exif ${bool} DEFAULT TRUE NOT NULL,
    default_expiration VARCHAR(32),                 -- ISO-8601 duration applied to own uploads, NULL = never
    image_count BIGINT DEFAULT 0 NOT NULL,
    album_count BIGINT DEFAULT 0 NOT NULL,
    likes_received BIGINT DEFAULT 0 NOT NULL,
    likes_given BIGINT DEFAULT 0 NOT NULL,
    following_count BIGINT DEFAULT 0 NOT NULL,
    followers_count BIGINT DEFAULT 0 NOT NULL,
    content_views BIGINT DEFAULT 0 NOT NULL,
    unread_notifications BIGINT DEFAULT 0 NOT NULL,
    created_at ${ts} NOT NULL,
    registration_ip VARCHAR(64),
    last_seen_at ${ts},
    CONSTRAINT ${prefix}users_username_uq UNIQUE (username),
    CONSTRAINT ${prefix}users_email_uq UNIQUE (email)
)${table_options};

CREATE INDEX ${prefix}users_created_at_ix ON ${prefix}users (created_at);

-- One password per user.
CREATE TABLE ${prefix}login_passwords (
    id ${id},
    user_id BIGINT NOT NULL,
    hash VARCHAR(255) NOT NULL,
    updated_at ${ts} NOT NULL,
    CONSTRAINT ${prefix}login_passwords_user_id_uq UNIQUE (user_id)
)${table_options};

ALTER TABLE ${prefix}login_passwords ADD CONSTRAINT ${prefix}login_passwords_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;

-- "Remember me" tokens. The cookie carries the row id plus a random token;
-- only a hash of the token is stored.
CREATE TABLE ${prefix}login_cookies (
    id ${id},
    user_id BIGINT NOT NULL,
    token_hash VARCHAR(255) NOT NULL,
    created_at ${ts} NOT NULL,
    last_seen_at ${ts},
    expires_at ${ts} NOT NULL,
    ip VARCHAR(64),
    user_agent VARCHAR(255)
)${table_options};

CREATE INDEX ${prefix}login_cookies_user_id_ix ON ${prefix}login_cookies (user_id);
CREATE INDEX ${prefix}login_cookies_expires_at_ix ON ${prefix}login_cookies (expires_at);

ALTER TABLE ${prefix}login_cookies ADD CONSTRAINT ${prefix}login_cookies_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;

-- Server-side sessions. The primary key is a hash of the session token,
-- never the token itself.
CREATE TABLE ${prefix}sessions (
    id VARCHAR(64)${cs} NOT NULL,
    user_id BIGINT,
    data ${text},                                   -- JSON
    created_at ${ts} NOT NULL,
    last_seen_at ${ts} NOT NULL,
    expires_at ${ts} NOT NULL,
    PRIMARY KEY (id)
)${table_options};

CREATE INDEX ${prefix}sessions_user_id_ix ON ${prefix}sessions (user_id);
CREATE INDEX ${prefix}sessions_expires_at_ix ON ${prefix}sessions (expires_at);

ALTER TABLE ${prefix}sessions ADD CONSTRAINT ${prefix}sessions_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;

-- Personal API keys. key_prefix is the public part used to find the row,
-- key_hash is the hash of the whole key.
CREATE TABLE ${prefix}api_keys (
    id ${id},
    user_id BIGINT NOT NULL,
    name VARCHAR(100),
    key_hash VARCHAR(255) NOT NULL,
    key_prefix VARCHAR(16)${cs} NOT NULL,
    created_at ${ts} NOT NULL,
    last_used_at ${ts},
    CONSTRAINT ${prefix}api_keys_key_prefix_uq UNIQUE (key_prefix)
)${table_options};

CREATE INDEX ${prefix}api_keys_user_id_ix ON ${prefix}api_keys (user_id);

ALTER TABLE ${prefix}api_keys ADD CONSTRAINT ${prefix}api_keys_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;

-- ---------------------------------------------------------------------------
-- Configuration and runtime state
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}settings (
    setting_key VARCHAR(64)${cs} NOT NULL,
    setting_value ${text},
    value_kind VARCHAR(16) DEFAULT 'string' NOT NULL, -- string | bool | int
    updated_at ${ts},
    PRIMARY KEY (setting_key)
)${table_options};

-- Internal values: installed version, id salt, secrets, last cron run...
CREATE TABLE ${prefix}variables (
    var_key VARCHAR(64)${cs} NOT NULL,
    var_value ${text},
    updated_at ${ts},
    PRIMARY KEY (var_key)
)${table_options};

-- Named mutexes for background jobs. A row whose expires_at is in the past
-- may be taken over.
CREATE TABLE ${prefix}locks (
    lock_name VARCHAR(64) NOT NULL,
    owner VARCHAR(64),
    acquired_at ${ts},
    expires_at ${ts} NOT NULL,
    PRIMARY KEY (lock_name)
)${table_options};

-- ---------------------------------------------------------------------------
-- Storage back-ends
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}storages (
    id ${id},
    name VARCHAR(100) NOT NULL,
    api VARCHAR(32) NOT NULL,                       -- local | s3
    bucket VARCHAR(1024),                           -- bucket name, or base directory for local
    region VARCHAR(64),
    endpoint VARCHAR(1024),                         -- S3 endpoint URL, NULL = provider default
    public_url VARCHAR(1024),                       -- base URL the files are served from
    key_enc ${text},                                -- encrypted access key
    secret_enc ${text},                             -- encrypted secret key
    path_style ${bool} DEFAULT FALSE NOT NULL,
    is_active ${bool} DEFAULT TRUE NOT NULL,
    capacity_bytes BIGINT,                          -- NULL = unlimited
    used_bytes BIGINT DEFAULT 0 NOT NULL,
    created_at ${ts} NOT NULL
)${table_options};

-- ---------------------------------------------------------------------------
-- Content
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}categories (
    id ${id},
    name VARCHAR(32) NOT NULL,
    url_key VARCHAR(32)${cs} NOT NULL,
    description ${text},
    CONSTRAINT ${prefix}categories_url_key_uq UNIQUE (url_key)
)${table_options};

CREATE TABLE ${prefix}albums (
    id ${id},
    owner_id BIGINT,                                -- NULL = guest album
    parent_id BIGINT,                               -- NULL = top level
    name VARCHAR(100) NOT NULL,
    description ${text},
    privacy VARCHAR(32) DEFAULT 'public' NOT NULL,  -- public | private | private_but_link | password
    password_enc ${text},                           -- encrypted album password when privacy = password
    cover_image_id BIGINT,
    image_count BIGINT DEFAULT 0 NOT NULL,
    views BIGINT DEFAULT 0 NOT NULL,
    likes BIGINT DEFAULT 0 NOT NULL,
    created_at ${ts} NOT NULL,
    creation_ip VARCHAR(64)
)${table_options};

CREATE INDEX ${prefix}albums_owner_id_ix ON ${prefix}albums (owner_id);
CREATE INDEX ${prefix}albums_parent_id_ix ON ${prefix}albums (parent_id);
CREATE INDEX ${prefix}albums_cover_image_id_ix ON ${prefix}albums (cover_image_id);
CREATE INDEX ${prefix}albums_created_at_ix ON ${prefix}albums (created_at);

ALTER TABLE ${prefix}albums ADD CONSTRAINT ${prefix}albums_owner_id_fk
    FOREIGN KEY (owner_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;
ALTER TABLE ${prefix}albums ADD CONSTRAINT ${prefix}albums_parent_id_fk
    FOREIGN KEY (parent_id) REFERENCES ${prefix}albums (id) ON DELETE SET NULL;
-- albums.cover_image_id gets its foreign key after the images table exists.

CREATE TABLE ${prefix}images (
    id ${id},
    owner_id BIGINT,                                -- NULL = guest upload
    album_id BIGINT,
    category_id BIGINT,
    storage_id BIGINT,
    storage_key VARCHAR(255)${cs} NOT NULL,         -- object key of the original, variant keys are derived
    storage_mode VARCHAR(16) DEFAULT 'datefolder' NOT NULL, -- datefolder | direct | path
    original_filename VARCHAR(255),
    title VARCHAR(100),
    description ${text},
    media_type VARCHAR(32) NOT NULL,                -- MIME type, e.g. image/jpeg
    extension VARCHAR(16) NOT NULL,
    width INT DEFAULT 0 NOT NULL,
    height INT DEFAULT 0 NOT NULL,
    frames INT DEFAULT 1 NOT NULL,
    duration_ms BIGINT,                             -- play time of videos and animations
    byte_size BIGINT DEFAULT 0 NOT NULL,
    is_animated ${bool} DEFAULT FALSE NOT NULL,
    is_360 ${bool} DEFAULT FALSE NOT NULL,          -- equirectangular panorama
    sha256 VARCHAR(64) NOT NULL,                    -- of the stored original, lower-case hex
    md5 VARCHAR(32) NOT NULL,
    source_sha256 VARCHAR(64),                      -- of the uploaded file when it was altered on upload
    exif ${text},                                   -- JSON
    nsfw ${bool} DEFAULT FALSE NOT NULL,
    is_approved ${bool} DEFAULT TRUE NOT NULL,
    views BIGINT DEFAULT 0 NOT NULL,
    likes BIGINT DEFAULT 0 NOT NULL,
    uploader_ip VARCHAR(64),
    delete_hash VARCHAR(255),                       -- hash of the delete-link secret
    expires_at ${ts},                               -- NULL = never
    created_at ${ts} NOT NULL
)${table_options};

CREATE INDEX ${prefix}images_owner_id_ix ON ${prefix}images (owner_id);
CREATE INDEX ${prefix}images_album_id_ix ON ${prefix}images (album_id);
CREATE INDEX ${prefix}images_category_id_ix ON ${prefix}images (category_id);
CREATE INDEX ${prefix}images_storage_id_ix ON ${prefix}images (storage_id);
CREATE INDEX ${prefix}images_created_at_ix ON ${prefix}images (created_at);
CREATE INDEX ${prefix}images_expires_at_ix ON ${prefix}images (expires_at);
CREATE INDEX ${prefix}images_sha256_ix ON ${prefix}images (sha256);
CREATE INDEX ${prefix}images_is_approved_ix ON ${prefix}images (is_approved);

ALTER TABLE ${prefix}images ADD CONSTRAINT ${prefix}images_owner_id_fk
    FOREIGN KEY (owner_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;
ALTER TABLE ${prefix}images ADD CONSTRAINT ${prefix}images_album_id_fk
    FOREIGN KEY (album_id) REFERENCES ${prefix}albums (id) ON DELETE SET NULL;
ALTER TABLE ${prefix}images ADD CONSTRAINT ${prefix}images_category_id_fk
    FOREIGN KEY (category_id) REFERENCES ${prefix}categories (id) ON DELETE SET NULL;
-- A storage that still holds files cannot be deleted.
ALTER TABLE ${prefix}images ADD CONSTRAINT ${prefix}images_storage_id_fk
    FOREIGN KEY (storage_id) REFERENCES ${prefix}storages (id) ON DELETE RESTRICT;

ALTER TABLE ${prefix}albums ADD CONSTRAINT ${prefix}albums_cover_image_id_fk
    FOREIGN KEY (cover_image_id) REFERENCES ${prefix}images (id) ON DELETE SET NULL;

-- Derived files of an image (thumbnail, medium size, first frame).
CREATE TABLE ${prefix}image_variants (
    image_id BIGINT NOT NULL,
    variant VARCHAR(16) NOT NULL,                   -- thumb | medium | frame
    storage_key VARCHAR(255)${cs} NOT NULL,
    media_type VARCHAR(32) NOT NULL,
    width INT DEFAULT 0 NOT NULL,
    height INT DEFAULT 0 NOT NULL,
    byte_size BIGINT DEFAULT 0 NOT NULL,
    PRIMARY KEY (image_id, variant)
)${table_options};

ALTER TABLE ${prefix}image_variants ADD CONSTRAINT ${prefix}image_variants_image_id_fk
    FOREIGN KEY (image_id) REFERENCES ${prefix}images (id) ON DELETE CASCADE;

CREATE TABLE ${prefix}tags (
    id ${id},
    name VARCHAR(32)${cs} NOT NULL,
    description ${text},
    creator_id BIGINT,
    file_count BIGINT DEFAULT 0 NOT NULL,
    views BIGINT DEFAULT 0 NOT NULL,
    created_at ${ts} NOT NULL,
    CONSTRAINT ${prefix}tags_name_uq UNIQUE (name)
)${table_options};

CREATE INDEX ${prefix}tags_creator_id_ix ON ${prefix}tags (creator_id);

ALTER TABLE ${prefix}tags ADD CONSTRAINT ${prefix}tags_creator_id_fk
    FOREIGN KEY (creator_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;

CREATE TABLE ${prefix}image_tags (
    tag_id BIGINT NOT NULL,
    image_id BIGINT NOT NULL,
    PRIMARY KEY (tag_id, image_id)
)${table_options};

CREATE INDEX ${prefix}image_tags_image_id_ix ON ${prefix}image_tags (image_id);

ALTER TABLE ${prefix}image_tags ADD CONSTRAINT ${prefix}image_tags_tag_id_fk
    FOREIGN KEY (tag_id) REFERENCES ${prefix}tags (id) ON DELETE CASCADE;
ALTER TABLE ${prefix}image_tags ADD CONSTRAINT ${prefix}image_tags_image_id_fk
    FOREIGN KEY (image_id) REFERENCES ${prefix}images (id) ON DELETE CASCADE;

-- ---------------------------------------------------------------------------
-- Social
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}likes (
    id ${id},
    user_id BIGINT NOT NULL,
    content_kind VARCHAR(16) NOT NULL,              -- image | album
    content_id BIGINT NOT NULL,
    content_owner_id BIGINT,                        -- owner of the liked content, NULL = guest content
    created_at ${ts} NOT NULL,
    ip VARCHAR(64),
    CONSTRAINT ${prefix}likes_user_id_content_uq UNIQUE (user_id, content_kind, content_id)
)${table_options};

CREATE INDEX ${prefix}likes_content_ix ON ${prefix}likes (content_kind, content_id);
CREATE INDEX ${prefix}likes_content_owner_id_ix ON ${prefix}likes (content_owner_id);

ALTER TABLE ${prefix}likes ADD CONSTRAINT ${prefix}likes_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;
ALTER TABLE ${prefix}likes ADD CONSTRAINT ${prefix}likes_content_owner_id_fk
    FOREIGN KEY (content_owner_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;

CREATE TABLE ${prefix}follows (
    id ${id},
    follower_id BIGINT NOT NULL,
    followed_id BIGINT NOT NULL,
    created_at ${ts} NOT NULL,
    ip VARCHAR(64),
    CONSTRAINT ${prefix}follows_follower_id_followed_id_uq UNIQUE (follower_id, followed_id)
)${table_options};

CREATE INDEX ${prefix}follows_followed_id_ix ON ${prefix}follows (followed_id);

ALTER TABLE ${prefix}follows ADD CONSTRAINT ${prefix}follows_follower_id_fk
    FOREIGN KEY (follower_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;
ALTER TABLE ${prefix}follows ADD CONSTRAINT ${prefix}follows_followed_id_fk
    FOREIGN KEY (followed_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;

CREATE TABLE ${prefix}notifications (
    id ${id},
    recipient_id BIGINT NOT NULL,
    actor_id BIGINT,                                -- user who caused it
    kind VARCHAR(16) NOT NULL,                      -- follow | like
    content_kind VARCHAR(16) NOT NULL,              -- user | image | album
    content_id BIGINT,
    is_read ${bool} DEFAULT FALSE NOT NULL,
    created_at ${ts} NOT NULL
)${table_options};

CREATE INDEX ${prefix}notifications_recipient_id_is_read_ix ON ${prefix}notifications (recipient_id, is_read);
CREATE INDEX ${prefix}notifications_actor_id_ix ON ${prefix}notifications (actor_id);
CREATE INDEX ${prefix}notifications_content_ix ON ${prefix}notifications (content_kind, content_id);

ALTER TABLE ${prefix}notifications ADD CONSTRAINT ${prefix}notifications_recipient_id_fk
    FOREIGN KEY (recipient_id) REFERENCES ${prefix}users (id) ON DELETE CASCADE;
ALTER TABLE ${prefix}notifications ADD CONSTRAINT ${prefix}notifications_actor_id_fk
    FOREIGN KEY (actor_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;

-- ---------------------------------------------------------------------------
-- Security and operations
-- ---------------------------------------------------------------------------

-- ip_pattern is an IPv4/IPv6 address, optionally with wildcards.
CREATE TABLE ${prefix}ip_bans (
    id ${id},
    ip_pattern VARCHAR(64) NOT NULL,
    message ${text},                                -- text shown to the visitor, or a URL to redirect to
    expires_at ${ts},                               -- NULL = permanent
    created_at ${ts} NOT NULL,
    CONSTRAINT ${prefix}ip_bans_ip_pattern_uq UNIQUE (ip_pattern)
)${table_options};

-- Log of sensitive actions, used for rate limiting.
CREATE TABLE ${prefix}requests (
    id ${id},
    kind VARCHAR(32) NOT NULL,                      -- login | signup | upload | account-edit | password-forgot | password-reset | resend-activation | change-email | activate | content-password | two-factor
    result VARCHAR(8) NOT NULL,                     -- success | fail
    ip VARCHAR(64) NOT NULL,
    user_id BIGINT,
    content_id BIGINT,
    created_at ${ts} NOT NULL
)${table_options};

CREATE INDEX ${prefix}requests_ip_kind_created_at_ix ON ${prefix}requests (ip, kind, created_at);
CREATE INDEX ${prefix}requests_user_id_ix ON ${prefix}requests (user_id);
CREATE INDEX ${prefix}requests_created_at_ix ON ${prefix}requests (created_at);

ALTER TABLE ${prefix}requests ADD CONSTRAINT ${prefix}requests_user_id_fk
    FOREIGN KEY (user_id) REFERENCES ${prefix}users (id) ON DELETE SET NULL;

-- Audit trail of deleted images. Deliberately without foreign keys: the rows
-- outlive the image and user they describe.
CREATE TABLE ${prefix}deletions (
    id ${id},
    image_id BIGINT NOT NULL,
    user_id BIGINT,
    ip VARCHAR(64),
    md5 VARCHAR(32),
    original_filename VARCHAR(255),
    views BIGINT DEFAULT 0 NOT NULL,
    likes BIGINT DEFAULT 0 NOT NULL,
    deleted_at ${ts} NOT NULL
)${table_options};

CREATE INDEX ${prefix}deletions_deleted_at_ix ON ${prefix}deletions (deleted_at);

-- Site statistics. One row with scope = total (stat_day = 1970-01-01, so
-- that the unique key never involves NULL) and one row per UTC day with
-- scope = day.
CREATE TABLE ${prefix}stats (
    id ${id},
    scope VARCHAR(8) NOT NULL,                      -- total | day
    stat_day DATE NOT NULL,
    users BIGINT DEFAULT 0 NOT NULL,
    images BIGINT DEFAULT 0 NOT NULL,
    albums BIGINT DEFAULT 0 NOT NULL,
    tags BIGINT DEFAULT 0 NOT NULL,
    image_views BIGINT DEFAULT 0 NOT NULL,
    album_views BIGINT DEFAULT 0 NOT NULL,
    image_likes BIGINT DEFAULT 0 NOT NULL,
    album_likes BIGINT DEFAULT 0 NOT NULL,
    disk_used BIGINT DEFAULT 0 NOT NULL,            -- bytes, originals plus variants
    CONSTRAINT ${prefix}stats_scope_stat_day_uq UNIQUE (scope, stat_day)
)${table_options};

-- ---------------------------------------------------------------------------
-- Pages
-- ---------------------------------------------------------------------------

CREATE TABLE ${prefix}pages (
    id ${id},
    url_key VARCHAR(64)${cs} NOT NULL,
    title VARCHAR(255) NOT NULL,
    kind VARCHAR(16) DEFAULT 'internal' NOT NULL,   -- internal | link
    body ${text},                                   -- content of internal pages
    link_url VARCHAR(1024),                         -- target of link pages
    description VARCHAR(255),
    is_active ${bool} DEFAULT TRUE NOT NULL,
    is_link_visible ${bool} DEFAULT TRUE NOT NULL,  -- listed in the site menu
    sort_order INT DEFAULT 0 NOT NULL,
    created_at ${ts},
    updated_at ${ts},
    CONSTRAINT ${prefix}pages_url_key_uq UNIQUE (url_key)
)${table_options};
