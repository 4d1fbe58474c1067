CREATE TABLE "member_branches" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"track_id" text NOT NULL,
	"branch_id" text NOT NULL,
	"chosen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_branches_guild_id_user_id_track_id_pk" PRIMARY KEY("guild_id","user_id","track_id")
);
