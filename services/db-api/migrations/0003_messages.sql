-- Messages. (room_id, id) serves both paging directions; the unique key on
-- (room_id, user_id, client_id) makes a repeated client_id create nothing
-- (NULL client_ids never collide).
-- depends: 0002_rooms
CREATE TABLE messages (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    room_id BIGINT UNSIGNED NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    body VARCHAR(2000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    client_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY messages_room_id (room_id, id),
    UNIQUE KEY messages_client_id (room_id, user_id, client_id),
    CONSTRAINT messages_room FOREIGN KEY (room_id) REFERENCES rooms (id),
    CONSTRAINT messages_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
