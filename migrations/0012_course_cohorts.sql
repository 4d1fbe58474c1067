CREATE TABLE "cohort_certificates" (
	"cohort_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"code" text NOT NULL,
	"display_name" text NOT NULL,
	"units" smallint NOT NULL,
	"units_done" smallint NOT NULL,
	"units_on_time" smallint NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cohort_certificates_cohort_id_user_id_pk" PRIMARY KEY("cohort_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cohort_members" (
	"cohort_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"calendar_version" integer DEFAULT 0 NOT NULL,
	"nudged_at" timestamp with time zone,
	CONSTRAINT "cohort_members_cohort_id_user_id_pk" PRIMARY KEY("cohort_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cohort_units_done" (
	"cohort_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"week" smallint NOT NULL,
	"done_at" timestamp with time zone NOT NULL,
	"on_time" boolean NOT NULL,
	"via" text NOT NULL,
	CONSTRAINT "cohort_units_done_cohort_id_user_id_week_pk" PRIMARY KEY("cohort_id","user_id","week")
);
--> statement-breakpoint
CREATE TABLE "cohorts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"name" text NOT NULL,
	"track_id" text NOT NULL,
	"weeks" jsonb NOT NULL,
	"challenges" jsonb NOT NULL,
	"timezone" text NOT NULL,
	"start_day" date NOT NULL,
	"open_time" text NOT NULL,
	"deadline_weekday" smallint NOT NULL,
	"deadline_time" text NOT NULL,
	"channel_id" text NOT NULL,
	"member_role_id" text,
	"certificate_role_id" text,
	"join_until" timestamp with time zone NOT NULL,
	"late_policy" text DEFAULT 'accept' NOT NULL,
	"certificate_percent" smallint,
	"secret" text NOT NULL,
	"broken_reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cohort_certificates" ADD CONSTRAINT "cohort_certificates_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_members" ADD CONSTRAINT "cohort_members_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_units_done" ADD CONSTRAINT "cohort_units_done_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cohort_certificates_code" ON "cohort_certificates" USING btree ("code");--> statement-breakpoint
CREATE INDEX "cohort_members_user" ON "cohort_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cohorts_name" ON "cohorts" USING btree ("guild_id",lower("name"));--> statement-breakpoint
CREATE INDEX "cohorts_guild" ON "cohorts" USING btree ("guild_id");