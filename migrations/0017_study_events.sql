CREATE TABLE "study_event_attendance" (
	"event_id" bigint NOT NULL,
	"occurrence" integer NOT NULL,
	"user_id" text NOT NULL,
	"minutes" integer NOT NULL,
	CONSTRAINT "study_event_attendance_event_id_occurrence_user_id_pk" PRIMARY KEY("event_id","occurrence","user_id")
);
--> statement-breakpoint
CREATE TABLE "study_event_rsvps" (
	"event_id" bigint NOT NULL,
	"occurrence" integer NOT NULL,
	"user_id" text NOT NULL,
	"answer" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "study_event_rsvps_event_id_occurrence_user_id_pk" PRIMARY KEY("event_id","occurrence","user_id")
);
--> statement-breakpoint
CREATE TABLE "study_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"cohort_id" bigint,
	"title" text NOT NULL,
	"description" text,
	"timezone" text NOT NULL,
	"first_day" date NOT NULL,
	"local_time" text NOT NULL,
	"base_occurrence" integer DEFAULT 0 NOT NULL,
	"duration_minutes" smallint NOT NULL,
	"weekly" boolean DEFAULT false NOT NULL,
	"voice_channel_id" text,
	"channel_id" text NOT NULL,
	"message_id" text,
	"discord_event_id" text,
	"discord_occurrence" integer,
	"discord_problem" text,
	"cancelled_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "study_event_attendance" ADD CONSTRAINT "study_event_attendance_event_id_study_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."study_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "study_event_rsvps" ADD CONSTRAINT "study_event_rsvps_event_id_study_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."study_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "study_events" ADD CONSTRAINT "study_events_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "study_event_attendance_user" ON "study_event_attendance" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "study_event_rsvps_user" ON "study_event_rsvps" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "study_events_guild" ON "study_events" USING btree ("guild_id");--> statement-breakpoint
CREATE INDEX "study_events_cohort" ON "study_events" USING btree ("cohort_id");