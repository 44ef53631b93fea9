CREATE TABLE `generation_cache` (
	`key` text PRIMARY KEY NOT NULL,
	`world_id` text NOT NULL,
	`job_id` text,
	`result` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `jobs` ADD `request_hash` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `element_id` text;--> statement-breakpoint
CREATE INDEX `jobs_user_idx` ON `jobs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_element_idx` ON `jobs` (`world_id`,`element_id`,`status`);