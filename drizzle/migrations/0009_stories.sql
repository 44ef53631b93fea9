CREATE TABLE `stories` (
	`id` text PRIMARY KEY NOT NULL,
	`world_id` text NOT NULL,
	`title` text NOT NULL,
	`premise` text DEFAULT '' NOT NULL,
	`template` text NOT NULL,
	`audience` text DEFAULT 'adults' NOT NULL,
	`tone` text DEFAULT '' NOT NULL,
	`point_of_view` text DEFAULT 'third' NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `stories_by_world` ON `stories` (`world_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `story_chapters` (
	`id` text NOT NULL,
	`story_id` text NOT NULL,
	`position` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`story_id`, `id`),
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `story_scenes` (
	`id` text NOT NULL,
	`story_id` text NOT NULL,
	`chapter_id` text NOT NULL,
	`position` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`pov_id` text,
	`location_id` text,
	`text` text DEFAULT '' NOT NULL,
	`word_count` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`story_id`, `id`),
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `story_scenes_by_chapter` ON `story_scenes` (`story_id`,`chapter_id`,`position`);