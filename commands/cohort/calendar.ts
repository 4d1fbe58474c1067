import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import { bumpCalendarVersion, membership } from '../../src/db/queries/cohorts.js';
import { calendarToken } from '../../src/http/calendar.js';
import { UserError } from '../../src/errors.js';
import { chosenCohort, COHORT_OPTION, type CohortSubcommand } from './shared.js';

/** `/cohort calendar [cohort] [reset]`: your private iCal link to the cohort's deadlines, with how to subscribe. */
export function calendarSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('calendar')
    .setDescription('Your private calendar link (iCal) with the cohort’s deadlines')
    .addBooleanOption((o) => o.setName('reset').setDescription('True to turn the old link off and get a new one'))
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
