CREATE TABLE "member_nudges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"actor_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"message_id" text,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "reminder_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "reminder_time" text DEFAULT '20:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "reminder_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "reminder_dm_closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "reminder_dm_closed_told_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "nudged_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "member_nudges_member" ON "member_nudges" USING btree ("guild_id","user_id","at");--> statement-breakpoint
CREATE INDEX "member_settings_reminder" ON "member_settings" USING btree ("guild_id") WHERE "member_settings"."reminder_enabled";--> statement-breakpoint
CREATE INDEX "member_streaks_guild_last_day" ON "member_streaks" USING btree ("guild_id","last_day");