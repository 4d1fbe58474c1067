ALTER TABLE "guild_settings" ADD COLUMN "review_channel_id" text;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "review_channel_error" text;