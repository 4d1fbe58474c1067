CREATE TABLE "digest_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"week" date NOT NULL,
	"status" text NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"message_id" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_day" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_time" text DEFAULT '09:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_dm_closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_settings" ADD COLUMN "digest_dm_closed_told_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "digest_sends_once" ON "digest_sends" USING btree ("guild_id","user_id","week");--> statement-breakpoint
CREATE INDEX "member_settings_digest" ON "member_settings" USING btree ("guild_id") WHERE "member_settings"."digest_enabled";