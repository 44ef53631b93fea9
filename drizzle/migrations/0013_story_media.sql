CREATE TABLE `playlist_items` (
	`playlist_id` text NOT NULL,
	`story_id` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`playlist_id`, `story_id`),
	FOREIGN KEY (`playlist_id`) REFERENCES `playlists`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `playlist_items_order` ON `playlist_items` (`playlist_id`,`position`);--> statement-breakpoint
CREATE TABLE `playlists` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `playlists_by_owner` ON `playlists` (`owner_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `scene_media` (
	`id` text PRIMARY KEY NOT NULL,
	`story_id` text NOT NULL,
	`scene_id` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`mime_type` text NOT NULL,
	`cache_key` text,
	`voices` text,
	`timings` text,
	`duration_ms` integer,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`offline` integer DEFAULT false NOT NULL,
	`job_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scene_media_by_scene` ON `scene_media` (`story_id`,`scene_id`,`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `scene_media_by_cache` ON `scene_media` (`story_id`,`cache_key`);--> statement-breakpoint
CREATE TABLE `scene_revisions` (
	`id` text PRIMARY KEY NOT NULL,
	`story_id` text NOT NULL,
	`scene_id` text NOT NULL,
	`number` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`content` text NOT NULL,
	`text` text NOT NULL,
	`user_id` text,
	`job_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scene_revisions_number` ON `scene_revisions` (`story_id`,`scene_id`,`number`);--> statement-breakpoint
CREATE TABLE `story_progress` (
	`user_id` text NOT NULL,
	`story_id` text NOT NULL,
	`scene_id` text NOT NULL,
	`position_ms` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`user_id`, `story_id`),
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `world_exports` ADD `format` text DEFAULT 'world' NOT NULL;--> statement-breakpoint
ALTER TABLE `world_exports` ADD `story_id` text;--> statement-breakpoint
ALTER TABLE `stories` ADD `narrator_voice` text;--> statement-breakpoint
ALTER TABLE `stories` ADD `character_voices` text DEFAULT '{}' NOT NULL;