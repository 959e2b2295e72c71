-- Bytes of files each account has stored, for the upload quota. One row per
-- account that has uploaded; an upload adds its size here in the same
-- transaction that stores it, after locking this row (SELECT ... FOR UPDATE),
-- so concurrent uploads of one account cannot pass the quota together.
-- depends: 0004_files
CREATE TABLE storage_usage (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
    CONSTRAINT storage_usage_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO storage_usage (user_id, bytes)
SELECT user_id, SUM(size) FROM files GROUP BY user_id;
