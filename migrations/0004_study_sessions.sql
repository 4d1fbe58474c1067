CREATE TABLE "study_heartbeats" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "study_sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"source" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"cut_ms" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "study_channel_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "study_category_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "study_minutes" smallint DEFAULT 25 NOT NULL;--> statement-breakpoint
CREATE INDEX "study_sessions_member" ON "study_sessions" USING btree ("guild_id","user_id","started_at");--> statement-breakpoint
CREATE INDEX "study_sessions_guild_started" ON "study_sessions" USING btree ("guild_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "study_sessions_one_open" ON "study_sessions" USING btree ("guild_id","user_id") WHERE "study_sessions"."ended_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "activities_one_study_a_day" ON "activities" USING btree ("guild_id","user_id","day") WHERE "activities"."kind" = 'study';