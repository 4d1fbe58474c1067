CREATE TABLE "activities" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"day" date NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ref" text,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"actor_id" text NOT NULL,
	"action" text NOT NULL,
	"target_user_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "challenge_participants" (
	"week_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	CONSTRAINT "challenge_participants_week_id_user_id_pk" PRIMARY KEY("week_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "challenge_submissions" (
	"week_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"link" text NOT NULL,
	"score" text,
	"note" text,
	"submitted_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "challenge_submissions_week_id_user_id_pk" PRIMARY KEY("week_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "challenge_weeks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"week_start" date NOT NULL,
	"challenge_id" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"started_by" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guild_resources" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"url" text NOT NULL,
	"title" text NOT NULL,
	"kind" text DEFAULT 'article' NOT NULL,
	"step_id" text,
	"note" text,
	"status" text NOT NULL,
	"suggested_by" text NOT NULL,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"reject_reason" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guild_settings" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"rollover_hour" smallint DEFAULT 4 NOT NULL,
	"freeze_cap" smallint DEFAULT 2 NOT NULL,
	"moderator_role_id" text,
	"prompts_channel_id" text,
	"prompts_time" text,
	"prompts_timezone" text,
	"prompts_ping_role_id" text,
	"prompts_enabled" boolean DEFAULT false NOT NULL,
	"prompts_broken_reason" text,
	"resources_channel_id" text,
	"challenges_channel_id" text,
	"challenges_ping_role_id" text,
	"challenges_week_start" smallint DEFAULT 1 NOT NULL,
	"challenges_enabled" boolean DEFAULT false NOT NULL,
	"challenges_broken_reason" text,
	"welcomed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "member_settings" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"timezone" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_settings_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "member_streaks" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"current" integer DEFAULT 0 NOT NULL,
	"longest" integer DEFAULT 0 NOT NULL,
	"freezes" integer DEFAULT 0 NOT NULL,
	"last_day" date,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_streaks_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "resource_posts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"url" text NOT NULL,
	"resource_ref" text NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" text,
	"posted_by" text NOT NULL,
	"note" text,
	"posted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scheduled_posts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"ref" text,
	"claimed_by" text,
	"claimed_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone,
	"channel_id" text,
	"message_id" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "step_progress" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"step_id" text NOT NULL,
	"track_id" text NOT NULL,
	"completed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "step_progress_guild_id_user_id_step_id_pk" PRIMARY KEY("guild_id","user_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "streak_days" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"day" date NOT NULL,
	"reason" text NOT NULL,
	"actor_id" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "streak_days_guild_id_user_id_day_pk" PRIMARY KEY("guild_id","user_id","day")
);
--> statement-breakpoint
ALTER TABLE "challenge_participants" ADD CONSTRAINT "challenge_participants_week_id_challenge_weeks_id_fk" FOREIGN KEY ("week_id") REFERENCES "public"."challenge_weeks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "challenge_submissions" ADD CONSTRAINT "challenge_submissions_week_id_challenge_weeks_id_fk" FOREIGN KEY ("week_id") REFERENCES "public"."challenge_weeks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activities_member" ON "activities" USING btree ("guild_id","user_id","day");--> statement-breakpoint
CREATE INDEX "activities_guild_kind_at" ON "activities" USING btree ("guild_id","kind","at");--> statement-breakpoint
CREATE UNIQUE INDEX "activities_one_checkin_a_day" ON "activities" USING btree ("guild_id","user_id","day") WHERE "activities"."kind" = 'checkin';--> statement-breakpoint
CREATE INDEX "audit_log_guild_at" ON "audit_log" USING btree ("guild_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "challenge_weeks_once" ON "challenge_weeks" USING btree ("guild_id","week_start");--> statement-breakpoint
CREATE UNIQUE INDEX "guild_resources_url" ON "guild_resources" USING btree ("guild_id","url");--> statement-breakpoint
CREATE INDEX "guild_resources_status" ON "guild_resources" USING btree ("guild_id","status");--> statement-breakpoint
CREATE INDEX "resource_posts_guild_url" ON "resource_posts" USING btree ("guild_id","url","posted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "scheduled_posts_once" ON "scheduled_posts" USING btree ("guild_id","kind","period");--> statement-breakpoint
CREATE INDEX "scheduled_posts_guild_kind" ON "scheduled_posts" USING btree ("guild_id","kind");--> statement-breakpoint
CREATE INDEX "step_progress_guild_track" ON "step_progress" USING btree ("guild_id","track_id");