-- Element and relationship ids are chosen by clients, so they are unique within a world only: the
-- keys of elements, relationships and element_versions lead with world_id (an element whose id
-- another world already used never reached this world's rows). Hand-ordered for D1, which keeps
-- foreign keys on during migrations (PRAGMA foreign_keys=OFF is ignored there): dropping a table
-- deletes its rows first, with cascades, so `relationships` is set aside before `elements` goes.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__old_relationships` AS SELECT * FROM `relationships`;--> statement-breakpoint
DROP TABLE `relationships`;--> statement-breakpoint
CREATE TABLE `__new_elements` (
	`id` text NOT NULL,
	`world_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`secret` text,
	`x` real DEFAULT 0 NOT NULL,
	`y` real DEFAULT 0 NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`assets` text DEFAULT '{}' NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`world_id`, `id`),
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_elements`("id", "world_id", "type", "name", "description", "secret", "x", "y", "tags", "assets", "metadata", "version", "created_by", "created_at", "updated_at") SELECT "id", "world_id", "type", "name", "description", "secret", "x", "y", "tags", "assets", "metadata", "version", "created_by", "created_at", "updated_at" FROM `elements`;--> statement-breakpoint
DROP TABLE `elements`;--> statement-breakpoint
ALTER TABLE `__new_elements` RENAME TO `elements`;--> statement-breakpoint
CREATE TABLE `relationships` (
	`id` text NOT NULL,
	`world_id` text NOT NULL,
	`from_id` text NOT NULL,
	`to_id` text NOT NULL,
	`kind` text NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`world_id`, `id`),
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`world_id`,`from_id`) REFERENCES `elements`(`world_id`,`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`world_id`,`to_id`) REFERENCES `elements`(`world_id`,`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `relationships`("id", "world_id", "from_id", "to_id", "kind", "label", "created_at", "updated_at") SELECT "id", "world_id", "from_id", "to_id", "kind", "label", "created_at", "updated_at" FROM `__old_relationships`;--> statement-breakpoint
DROP TABLE `__old_relationships`;--> statement-breakpoint
CREATE INDEX `relationships_from_idx` ON `relationships` (`world_id`,`from_id`);--> statement-breakpoint
CREATE INDEX `relationships_to_idx` ON `relationships` (`world_id`,`to_id`);--> statement-breakpoint
CREATE TABLE `__new_element_versions` (
	`element_id` text NOT NULL,
	`world_id` text NOT NULL,
	`version` integer NOT NULL,
	`snapshot` text NOT NULL,
	`action` text DEFAULT 'edited' NOT NULL,
	`user_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`world_id`, `element_id`, `version`),
	FOREIGN KEY (`world_id`) REFERENCES `worlds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_element_versions`("element_id", "world_id", "version", "snapshot", "action", "user_id", "created_at") SELECT "element_id", "world_id", "version", "snapshot", "action", "user_id", "created_at" FROM `element_versions`;--> statement-breakpoint
DROP TABLE `element_versions`;--> statement-breakpoint
ALTER TABLE `__new_element_versions` RENAME TO `element_versions`;
