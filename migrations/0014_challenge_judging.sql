CREATE TABLE "challenge_winners" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role_id" text NOT NULL,
	"week_id" bigint NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "challenge_winners_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "challenge_submissions" ADD COLUMN "flagged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "challenge_submissions" ADD COLUMN "flagged_by" text;--> statement-breakpoint
ALTER TABLE "challenge_submissions" ADD COLUMN "flag_reason" text;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "challenges_winner_role_id" text;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "challenges_winner_role_error" text;--> statement-breakpoint
ALTER TABLE "challenge_winners" ADD CONSTRAINT "challenge_winners_week_id_challenge_weeks_id_fk" FOREIGN KEY ("week_id") REFERENCES "public"."challenge_weeks"("id") ON DELETE cascade ON UPDATE no action;