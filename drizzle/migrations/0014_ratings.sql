CREATE TABLE `ratings` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`world_id` text NOT NULL,
	`target_kind` text NOT NULL,
	`target_id` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`job_kind` text NOT NULL,
	`value` integer NOT NULL,
	`comment` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ratings_one_per_person` ON `ratings` (`user_id`,`world_id`,`target_kind`,`target_id`);--> statement-breakpoint
CREATE INDEX `ratings_world_idx` ON `ratings` (`world_id`,`provider`,`model`,`job_kind`);