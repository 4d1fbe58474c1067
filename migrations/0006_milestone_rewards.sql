CREATE TABLE "member_rewards" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"reward_id" bigint NOT NULL,
	"role_id" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_rewards_guild_id_user_id_reward_id_pk" PRIMARY KEY("guild_id","user_id","reward_id")
);
--> statement-breakpoint
CREATE TABLE "reward_settings" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"announce_channel_id" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rewards" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"kind" text NOT NULL,
	"threshold" integer NOT NULL,
	"role_id" text NOT NULL,
	"remove_when_below" boolean DEFAULT false NOT NULL,
	"error" text,
	"error_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_rewards" ADD CONSTRAINT "member_rewards_reward_id_rewards_id_fk" FOREIGN KEY ("reward_id") REFERENCES "public"."rewards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_once" ON "rewards" USING btree ("guild_id","kind","threshold","role_id");