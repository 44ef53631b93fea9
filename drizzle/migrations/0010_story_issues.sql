CREATE TABLE `story_issues` (
	`id` text PRIMARY KEY NOT NULL,
	`story_id` text NOT NULL,
	`scene_id` text NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	`quote` text NOT NULL,
	`explanation` text NOT NULL,
	`suggestion` text,
	`element_id` text,
	`status` text DEFAULT 'open' NOT NULL,
	`job_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`story_id`) REFERENCES `stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `story_issues_by_scene` ON `story_issues` (`story_id`,`scene_id`,`status`);