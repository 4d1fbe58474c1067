DROP INDEX "audit_log_guild_at";--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "log_retention_days" smallint DEFAULT 365 NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_guild_target_at" ON "audit_log" USING btree ("guild_id","target_user_id","at","id");--> statement-breakpoint
CREATE INDEX "audit_log_guild_action_at" ON "audit_log" USING btree ("guild_id","action","at","id");--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_guild_at" ON "audit_log" USING btree ("guild_id","at","id");