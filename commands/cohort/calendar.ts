import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { bumpCalendarVersion, membership, setPublicFeed } from '../../src/db/queries/cohorts.js';
import { logModeratorAction } from '../../src/db/queries/moderator-log.js';
import type { Cohort } from '../../src/db/schema.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { calendarToken, publicCalendarToken } from '../../src/http/calendar.js';
import { UserError } from '../../src/errors.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/**
 * `/cohort calendar [cohort] [reset] [public]`: your private iCal link to the cohort's deadlines, with
 * how to subscribe; moderators turn the cohort's public feed (no member in it) on or off.
 */
export function calendarSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('calendar')
    .setDescription('Your private calendar link (iCal) with the cohort’s deadlines')
    .addBooleanOption((o) => o.setName('reset').setDescription('True to turn the old link off and get a new one'))
    .addStringOption((o) =>
      o
        .setName('public')
        .setDescription('Moderators: a public feed of the cohort’s deadlines and sessions, to share in a channel')
        .addChoices({ name: 'on (show its link)', value: 'on' }, { name: 'off (its link stops working)', value: 'off' }),
    )
    .addStringOption((o) => o.setName(COHORT_OPTION).setDescription('Which cohort').setAutocomplete(true).setMaxLength(100));
}

export const calendar: CohortSubcommand = async (interaction, ctx) => {
  const { HTTP_PORT, PUBLIC_URL } = ctx.config;
  if (!HTTP_PORT)
    throw new UserError(
      'Calendar links are off here: they are served by the bot’s web server. Whoever runs Cohort sets `HTTP_PORT` (the port to serve on) and `PUBLIC_URL` (the address it is reached at, e.g. https://cohort.example.org), then restarts it.',
    );
  if (!PUBLIC_URL)
    throw new UserError(
      `Calendar links are served on port ${HTTP_PORT}, but I do not know the address it is reached at from outside. Whoever runs Cohort sets \`PUBLIC_URL\` (e.g. https://cohort.example.org), then restarts it.`,
    );
  const cohort = await chosenCohort(interaction, ctx);
  const publicChoice = interaction.options.getString('public');
  if (publicChoice === 'on' || publicChoice === 'off') return publicFeed(interaction, ctx, cohort, publicChoice === 'on', PUBLIC_URL);
  const userId = interaction.user.id;
  const member = await membership(ctx.db, cohort.id, userId);
  if (!member) throw new UserError(`The calendar is for members of **${cohort.name}**. Join with \`/cohort join\`.`);
  let version = member.calendarVersion;
  const reset = interaction.options.getBoolean('reset') === true;
  if (reset) version = (await bumpCalendarVersion(ctx.db, cohort.id, userId)) ?? version;
  const url = `${PUBLIC_URL}/cal/${calendarToken(cohort, userId, version)}.ics`;
  const lines = [
    `📅 ${reset ? 'Your new calendar link' : 'Your calendar link'} for **${cohort.name}**: every weekly deadline, kept up to date.`,
    `<${url}>`,
    '',
    '**Google Calendar**: on a computer, Other calendars → **+** → From URL, paste the link, Add calendar.',
    '**Apple Calendar**: File → New Calendar Subscription (on iPhone: Settings → Calendar → Accounts → Add Subscribed Calendar), paste the link.',
    '',
    `The link is yours alone: anyone with it sees the cohort’s deadlines. ${reset ? 'The old link no longer works.' : 'If it leaks, `/cohort calendar reset:True` turns it off and gives you a new one.'}`,
  ];
  await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral });
};

/** Turns the cohort's public feed on (and shows its link) or off; logged as a setting change. */
async function publicFeed(interaction: Parameters<CohortSubcommand>[0], ctx: Parameters<CohortSubcommand>[1], cohort: Cohort, on: boolean, publicUrl: string): Promise<void> {
  await requireModerator(interaction, ctx);
  const updated = await ctx.db.transaction(async (tx) => {
    const row = await setPublicFeed(tx, cohort.id, on);
    if (row && row.publicFeed !== cohort.publicFeed)
      await logModeratorAction(tx, {
        guildId: cohort.guildId,
        actorId: interaction.user.id,
        action: 'cohort.change',
        details: { cohortId: cohort.id, name: cohort.name, changes: { publicFeed: { from: cohort.publicFeed, to: on } } },
        at: ctx.clock.now(),
      });
    return row;
  });
  if (!updated) throw new UserError(`**${cohort.name}** is gone: it was removed meanwhile.`);
  if (!on) {
    await interaction.reply({
      content: `✅ The public calendar of **${cohort.name}** is off: its link no longer works. Members’ own links (\`/cohort calendar\`) are not affected.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const url = `${publicUrl}/cal/${publicCalendarToken(updated, updated.publicFeedVersion)}.ics`;
  const lines = [
    `📅 The public calendar of **${cohort.name}** is on: its weekly deadlines and its study sessions, no member names. Share this link wherever you like:`,
    `<${url}>`,
    '',
    'It subscribes like a member’s own link (Google Calendar: Other calendars → **+** → From URL; Apple Calendar: File → New Calendar Subscription).',
    '`/cohort calendar public:off` turns it off; turned on again, it gets a new link.',
  ];
  await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral });
}
