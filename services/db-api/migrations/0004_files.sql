-- Uploaded files: metadata in `files`, the bytes in 1 MiB `file_chunks`.
-- Chunked because one INSERT of a whole upload must fit MariaDB's
-- max_allowed_packet (16 MiB by default), and PyMySQL's escaping can double
-- binary data: a 10 MiB upload of NUL bytes is a 20 MiB statement.
-- depends: 0002_rooms
CREATE TABLE files (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    room_id BIGINT UNSIGNED NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    filename VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    content_type VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    size INT UNSIGNED NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY files_room_id (room_id),
    CONSTRAINT files_room FOREIGN KEY (room_id) REFERENCES rooms (id),
    CONSTRAINT files_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE file_chunks (
    file_id BIGINT UNSIGNED NOT NULL,
    seq INT UNSIGNED NOT NULL,
    data MEDIUMBLOB NOT NULL,
    PRIMARY KEY (file_id, seq),
    CONSTRAINT file_chunks_file FOREIGN KEY (file_id) REFERENCES files (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
