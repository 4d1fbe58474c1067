ALTER TABLE "activities" ADD COLUMN "source" text;--> statement-breakpoint
CREATE INDEX "activities_guild_at" ON "activities" USING btree ("guild_id","at","user_id");