-- Tesela tenant schema, version 3: uploads are staged, committed, then published.
--
-- An upload writes its files to the store's staging area under a random token,
-- commits its row (naming the token and the files' final keys) in one short
-- transaction, then moves the files to their keys. After a crash, recovery
-- publishes the staged files whose row (found by its token) committed and
-- deletes the others once they are older than a grace period.
--
-- The unique keys let the database decide which of two concurrent uploads gets
-- a file name: the loser's transaction fails and it tries the next name.
ALTER TABLE ${prefix}images ADD COLUMN staging_token VARCHAR(32);

CREATE UNIQUE INDEX ${prefix}images_staging_token_uq ON ${prefix}images (staging_token);
CREATE UNIQUE INDEX ${prefix}images_storage_key_uq ON ${prefix}images (storage_key);
CREATE UNIQUE INDEX ${prefix}image_variants_storage_key_uq ON ${prefix}image_variants (storage_key);
