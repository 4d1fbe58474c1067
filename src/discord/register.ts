import { Routes, type REST, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from '../logger.js';

type CommandJson = RESTPostAPIChatInputApplicationCommandsJSONBody;

/**
 * Registers the commands with Discord only when they differ from what Discord already has
 * (guild commands for a dev guild, global otherwise). Returns whether anything was written.
 */
export async function syncCommands(
  rest: REST,
  applicationId: string,
  commands: readonly CommandJson[],
  options: { guildId?: string | undefined; logger: Logger },
): Promise<'registered' | 'unchanged'> {
  const route = options.guildId
    ? Routes.applicationGuildCommands(applicationId, options.guildId)
    : Routes.applicationCommands(applicationId);
  const existing = (await rest.get(route)) as unknown[];
  if (sameCommands(existing, commands)) {
    options.logger.info({ count: commands.length, scope: options.guildId ? 'guild' : 'global' }, 'slash commands unchanged');
    return 'unchanged';
  }
  await rest.put(route, { body: commands });
  options.logger.info({ count: commands.length, scope: options.guildId ? 'guild' : 'global' }, 'slash commands registered');
  return 'registered';
}

export function sameCommands(registered: readonly unknown[], wanted: readonly unknown[]): boolean {
  const canon = (list: readonly unknown[]) =>
    JSON.stringify(list.map((c) => normalizeCommand(c as Record<string, unknown>)).sort((a, b) => a.name.localeCompare(b.name)));
  return canon(registered) === canon(wanted);
}

/** The fields we set, with Discord's defaults filled in, so that "omitted" equals "default". */
function normalizeCommand(c: Record<string, unknown>) {
  return {
    name: String(c.name),
    type: c.type ?? 1,
    description: c.description ?? '',
    default_member_permissions: c.default_member_permissions ?? null,
    contexts: c.contexts ?? null,
    integration_types: c.integration_types ?? [0],
    nsfw: c.nsfw ?? false,
    options: normalizeOptions(c.options),
  };
}

function normalizeOptions(options: unknown): unknown[] {
  if (!Array.isArray(options)) return [];
  return options.map((raw: Record<string, unknown>) => ({
    type: raw.type,
    name: raw.name,
    description: raw.description,
    required: raw.required ?? false,
    autocomplete: raw.autocomplete ?? false,
    choices: raw.choices ?? [],
    channel_types: raw.channel_types ?? [],
    min_value: raw.min_value ?? null,
    max_value: raw.max_value ?? null,
    min_length: raw.min_length ?? null,
    max_length: raw.max_length ?? null,
    options: normalizeOptions(raw.options),
  }));
}
