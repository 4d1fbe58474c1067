ALTER TABLE "guild_resources" ADD COLUMN "level" text;--> statement-breakpoint
ALTER TABLE "guild_resources" ADD COLUMN "free" boolean;