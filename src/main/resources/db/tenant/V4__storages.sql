-- Tesela tenant schema, version 4: storages as data.
--
-- A site's files live in its built-in local folder (images.storage_id NULL) or
-- in the storages of this table (local folders or S3-compatible buckets).
-- key_prefix puts a storage's objects under a prefix of its bucket (several
-- sites may share one bucket); for_site_files marks the one storage that
-- takes the site's own files (logo, avatars, covers). public_url NULL means
-- the storage's files are served through Tesela (/images/<key>).
--
-- A queued file deletion names the storage that holds the file (NULL = the
-- built-in folder), so deletions of files on several storages can be retried
-- each against its own.
ALTER TABLE ${prefix}storages ADD key_prefix VARCHAR(255);
ALTER TABLE ${prefix}storages ADD for_site_files ${bool} DEFAULT FALSE NOT NULL;
ALTER TABLE ${prefix}blob_deletions ADD storage_id BIGINT;
