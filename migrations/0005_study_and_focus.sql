CREATE TABLE "focus_participants" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "focus_sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"started_by" text NOT NULL,
	"focus_minutes" smallint NOT NULL,
	"break_minutes" smallint NOT NULL,
	"rounds" smallint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"message_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"phases_claimed" smallint DEFAULT 0 NOT NULL,
	"ended_at" timestamp with time zone,
	"stopped_by" text
);
--> statement-breakpoint
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
ALTER TABLE "focus_participants" ADD CONSTRAINT "focus_participants_session_id_focus_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."focus_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "focus_participants_one_open" ON "focus_participants" USING btree ("session_id","user_id") WHERE "focus_participants"."left_at" is null;--> statement-breakpoint
CREATE INDEX "focus_participants_session" ON "focus_participants" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "focus_sessions_one_per_channel" ON "focus_sessions" USING btree ("channel_id") WHERE "focus_sessions"."status" = 'active';--> statement-breakpoint
CREATE INDEX "focus_sessions_active" ON "focus_sessions" USING btree ("status","guild_id");--> statement-breakpoint
CREATE INDEX "focus_sessions_guild_starter" ON "focus_sessions" USING btree ("guild_id","started_by");--> statement-breakpoint
CREATE INDEX "study_sessions_member" ON "study_sessions" USING btree ("guild_id","user_id","started_at");--> statement-breakpoint
CREATE INDEX "study_sessions_guild_started" ON "study_sessions" USING btree ("guild_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "study_sessions_one_open" ON "study_sessions" USING btree ("guild_id","user_id") WHERE "study_sessions"."ended_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "activities_one_study_a_day" ON "activities" USING btree ("guild_id","user_id","day") WHERE "activities"."kind" = 'study';