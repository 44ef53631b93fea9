CREATE TABLE `file_deletions` (
	`prefix` text PRIMARY KEY NOT NULL,
	`requested_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL
);
