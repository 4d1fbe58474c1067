CREATE TABLE "pod_members" (
	"pod_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"step_id" text,
	CONSTRAINT "pod_members_pod_id_user_id_pk" PRIMARY KEY("pod_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "pod_opt_ins" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"preferred_size" smallint DEFAULT 3 NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"alone_week" text,
	CONSTRAINT "pod_opt_ins_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "pod_settings" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"channel_id" text NOT NULL,
	"day" smallint NOT NULL,
	"time" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"broken_reason" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pods" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"week" text NOT NULL,
	"number" smallint NOT NULL,
	"thread_id" text,
	"kickoff_message_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pod_members" ADD CONSTRAINT "pod_members_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pod_members_user" ON "pod_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pods_once" ON "pods" USING btree ("guild_id","week","number");