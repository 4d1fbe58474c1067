ALTER TABLE "member_streaks" ADD COLUMN "day_zone" text;--> statement-breakpoint
ALTER TABLE "member_streaks" ADD COLUMN "day_rollover_hour" smallint;