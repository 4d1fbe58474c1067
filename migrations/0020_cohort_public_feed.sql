ALTER TABLE "cohorts" ADD COLUMN "public_feed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cohorts" ADD COLUMN "public_feed_version" integer DEFAULT 0 NOT NULL;