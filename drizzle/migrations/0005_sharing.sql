CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`world_id` text NOT NULL,
	`email` text,
	`token_hash` text NOT NULL,
	`role` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`invited_by` text,
	`responded_by` text,
	`expires_at` integer NOT NULL,
	`responded_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`invited_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`responded_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_idx` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_world_idx` ON `invitations` (`world_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `invitations_email_idx` ON `invitations` (`email`,`status`);--> statement-breakpoint
CREATE TABLE `share_links` (
	`id` text PRIMARY KEY NOT NULL,
	`world_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`role` text NOT NULL,
	`created_by` text,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `share_links_token_idx` ON `share_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `share_links_world_idx` ON `share_links` (`world_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `world_exports` (
	`id` text PRIMARY KEY NOT NULL,
	`world_id` text NOT NULL,
	`user_id` text,
	`job_id` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`includes_secrets` integer DEFAULT false NOT NULL,
	`r2_key` text,
	`size` integer,
	`error` text,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `world_exports_world_idx` ON `world_exports` (`world_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `world_exports_expiry_idx` ON `world_exports` (`expires_at`);--> statement-breakpoint
CREATE TABLE `world_likes` (
	`world_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`world_id`, `user_id`),
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `world_likes_user_idx` ON `world_likes` (`user_id`);--> statement-breakpoint
-- Gallery search (catalogue F1): one row per public world with its title, description, tags and
-- element names, kept by workers/domain/gallery.ts (drizzle-kit does not model FTS5 tables).
CREATE VIRTUAL TABLE `world_search` USING fts5(
	`world_id` UNINDEXED,
	`title`,
	`description`,
	`tags`,
	`names`,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
