-- Tesela tenant schema, version 2: the deletion queue.
--
-- The files of a deleted image are queued in the same transaction that removes
-- its row, then deleted at once; a row stays here only while a file could not
-- be deleted (storage unreachable, an instance stopped half-way), and the jobs
-- worker retries it with a growing delay. So no file outlives its image for
-- good, whatever fails.
CREATE TABLE ${prefix}blob_deletions (
    id ${id},
    storage_key VARCHAR(255)${cs} NOT NULL,
    attempts INT DEFAULT 0 NOT NULL,
    last_error VARCHAR(255),
    queued_at ${ts} NOT NULL,
    next_attempt_at ${ts} NOT NULL
)${table_options};

CREATE INDEX ${prefix}blob_deletions_next_attempt_at_ix ON ${prefix}blob_deletions (next_attempt_at);
