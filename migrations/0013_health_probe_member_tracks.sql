CREATE TABLE "health_probe" (
	"id" smallint PRIMARY KEY NOT NULL,
	"checked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "member_tracks" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"track_id" text NOT NULL,
	"chosen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_tracks_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
