CREATE TABLE "stats_days" (
	"guild_id" text NOT NULL,
	"day" date NOT NULL,
	"zone" text NOT NULL,
	"active_members" integer NOT NULL,
	"checkins" integer NOT NULL,
	"prompt_checkins" integer NOT NULL,
	"steps" integer NOT NULL,
	"study_ms" bigint NOT NULL,
	"settled" boolean NOT NULL,
	"made_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stats_days_guild_id_day_pk" PRIMARY KEY("guild_id","day")
);
--> statement-breakpoint
CREATE TABLE "stats_member_weeks" (
	"guild_id" text NOT NULL,
	"week" date NOT NULL,
	"user_id" text NOT NULL,
	CONSTRAINT "stats_member_weeks_guild_id_week_user_id_pk" PRIMARY KEY("guild_id","week","user_id")
);
--> statement-breakpoint
CREATE TABLE "stats_members" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"first_week" date NOT NULL,
	CONSTRAINT "stats_members_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "stats_members_first_week" ON "stats_members" USING btree ("guild_id","first_week");