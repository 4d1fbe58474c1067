CREATE TABLE "server_content_files" (
	"guild_id" text NOT NULL,
	"name" text NOT NULL,
	"folder" text NOT NULL,
	"text" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "server_content_files_guild_id_name_pk" PRIMARY KEY("guild_id","name")
);
--> statement-breakpoint
CREATE TABLE "server_content_revisions" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL
);
