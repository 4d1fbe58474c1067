CREATE TABLE "process_leases" (
	"id" text PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"shard_count" integer,
	"shard_ids" integer[],
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scheduled_posts" ADD COLUMN "steps" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "scheduled_posts_open" ON "scheduled_posts" USING btree ("kind") WHERE status = 'claimed';