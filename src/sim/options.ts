/**
 * What Discord's client lets a member send as slash-command options, checked against the
 * command's registered definition: the subcommand exists, every option is declared, of its
 * declared type (integer vs number, boolean, text, user/channel/role/attachment with `resolved`
 * data), within min_value/max_value and min_length/max_length, one of its choices, a channel of
 * one of its channel_types, required options present, one focused option with autocomplete.
 *
 * The one validator of option values: the interaction builders (interactions.ts) refuse to build
 * what it rejects (a test that tries is a test bug), and the console (scripts/console.ts) shows
 * its problems to the person typing. Problems are written for that person:
 * "rollover_hour must be between 0 and 23".
 */

export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** An option as a command declares it (PUT /applications/:app/commands). */
export interface OptionDefinition {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string | number }[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  channel_types?: number[];
  options?: OptionDefinition[];
}

export interface CommandDefinition {
  name: string;
  options?: OptionDefinition[];
}

/** An option as INTERACTION_CREATE carries it (user/channel/role/attachment values are ids). */
export interface SentOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: SentOption[];
}

/** The `resolved` map of the interaction: what the ids of user/channel/role/attachment options are. */
export interface ResolvedData {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, { type?: unknown }>;
  attachments?: Record<string, unknown>;
}

/** Thrown by the interaction builders for options Discord's client would not send. */
export class OptionsRefusedError extends Error {
  constructor(
    readonly command: string,
    readonly problems: string[],
  ) {
    super(`Discord's client would not send /${command}: ${problems.join('; ')}`);
    this.name = 'OptionsRefusedError';
  }
}

const CHANNEL_KINDS: Record<number, string> = {
  0: 'text channel',
  2: 'voice channel',
  4: 'category',
  5: 'announcement channel',
  10: 'announcement thread',
  11: 'thread',
  12: 'private thread',
  13: 'stage channel',
  15: 'forum',
  16: 'media channel',
};

const MAX_STRING_LENGTH = 6000;
const MAX_SAFE = 2 ** 53;

const isSubcommand = (o: { type: number }): boolean => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup;
const orList = (items: string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`);

/**
 * The problems with `sent` as the options of `command` (empty: Discord's client could send it).
 * `kind` 'autocomplete': required options may be missing, and exactly one option is focused (its
 * value is what the member is typing, not yet checked against limits).
 */
export function optionProblems(command: CommandDefinition, sent: SentOption[], resolved: ResolvedData | undefined, kind: 'command' | 'autocomplete' = 'command'): string[] {
  const problems: string[] = [];
  let focused = 0;
  const visit = (path: string, declared: OptionDefinition[], given: SentOption[]): void => {
    const subcommands = declared.filter(isSubcommand);
    if (subcommands.length > 0) {
      const names = subcommands.map((s) => s.name).join(', ');
      const [only, ...more] = given;
      if (!only || more.length > 0 || !isSubcommand(only)) {
        problems.push(`/${path} needs one of: ${names}`);
        return;
      }
      const definition = subcommands.find((s) => s.name === only.name && s.type === only.type);
      if (!definition) {
        problems.push(`/${path} has no ${only.type === OptionType.SubcommandGroup ? 'group' : 'subcommand'} “${only.name}”; it needs one of: ${names}`);
        return;
      }
      visit(`${path} ${definition.name}`, definition.options ?? [], only.options ?? []);
      return;
    }
    const seen = new Set<string>();
    for (const option of given) {
      const definition = declared.find((d) => d.name === option.name);
      if (!definition) {
        problems.push(`/${path} has no option “${option.name}”. Options: ${declared.map((d) => d.name).join(', ') || 'none'}`);
        continue;
      }
      if (seen.has(option.name)) problems.push(`${option.name} is given twice`);
      seen.add(option.name);
      if (option.focused) {
        focused++;
        if (kind !== 'autocomplete') problems.push(`${option.name} is marked focused outside autocomplete`);
        else if (!definition.autocomplete) problems.push(`${option.name} has no autocomplete`);
        else if (typeof option.value !== 'string' && typeof option.value !== 'number') problems.push(`${option.name} (focused) must carry what is typed so far`);
        continue;
      }
      problems.push(...valueProblems(definition, option, resolved));
    }
    if (kind === 'command') {
      const missing = declared.filter((d) => d.required && !seen.has(d.name)).map((d) => `${d.name}:`);
      if (missing.length) problems.push(`Missing required option${missing.length > 1 ? 's' : ''}: ${missing.join(' ')}`);
    }
  };
  visit(command.name, command.options ?? [], sent);
  if (kind === 'autocomplete' && focused !== 1) problems.push(`autocomplete needs exactly one focused option (got ${focused})`);
  return problems;
}

function valueProblems(definition: OptionDefinition, option: SentOption, resolved: ResolvedData | undefined): string[] {
  const { name } = definition;
  const value = option.value;
  if (option.type !== definition.type) return [`${name} must be ${describeType(definition.type)} (sent as option type ${option.type})`];
  if (value === undefined) return [`${name} has no value`];
  switch (definition.type) {
    case OptionType.String: {
      if (typeof value !== 'string') return [`${name} must be text`];
      if (definition.choices?.length) return choiceProblems(definition, value);
      const length = [...value].length;
      const min = definition.min_length ?? 1;
      const max = Math.min(definition.max_length ?? MAX_STRING_LENGTH, MAX_STRING_LENGTH);
      if (length < min || length > max) {
        if (min <= 1) return [`${name} must be ${length === 0 ? 'filled in' : `at most ${max} characters (it has ${length})`}`];
        return [`${name} must be between ${min} and ${max} characters (it has ${length})`];
      }
      return [];
    }
    case OptionType.Integer:
    case OptionType.Number: {
      const integer = definition.type === OptionType.Integer;
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) return [`${name} must be ${integer ? 'a whole number' : 'a number'}`];
      if (definition.choices?.length) return choiceProblems(definition, value);
      const min = definition.min_value ?? -MAX_SAFE;
      const max = definition.max_value ?? MAX_SAFE;
      if (value < min || value > max) {
        if (definition.min_value !== undefined && definition.max_value !== undefined) return [`${name} must be between ${min} and ${max}`];
        return [definition.min_value !== undefined || value < min ? `${name} must be at least ${min}` : `${name} must be at most ${max}`];
      }
      return [];
    }
    case OptionType.Boolean:
      return typeof value === 'boolean' ? [] : [`${name} must be true or false`];
    case OptionType.User:
      return typeof value === 'string' && resolved?.users?.[value] !== undefined ? [] : [`${name} must be a member or user (${String(value)} is not one)`];
    case OptionType.Role:
      return typeof value === 'string' && resolved?.roles?.[value] !== undefined ? [] : [`${name} must be a role of this server (${String(value)} is not one)`];
    case OptionType.Mentionable:
      return typeof value === 'string' && (resolved?.users?.[value] !== undefined || resolved?.roles?.[value] !== undefined) ? [] : [`${name} must be a member or a role (${String(value)} is neither)`];
    case OptionType.Attachment:
      return typeof value === 'string' && resolved?.attachments?.[value] !== undefined ? [] : [`${name} must be an uploaded file`];
    case OptionType.Channel: {
      const channel = typeof value === 'string' ? resolved?.channels?.[value] : undefined;
      if (!channel) return [`${name} must be a channel of this server (${String(value)} is not one)`];
      const allowed = definition.channel_types;
      if (allowed?.length && !allowed.includes(Number(channel.type))) return [`${name} must be a ${orList(allowed.map((t) => CHANNEL_KINDS[t] ?? `channel of type ${t}`))}`];
      return [];
    }
    default:
      return [`${name} has an option type Discord does not have (${definition.type})`];
  }
}

function choiceProblems(definition: OptionDefinition, value: string | number): string[] {
  const choices = definition.choices ?? [];
  return choices.some((c) => c.value === value) ? [] : [`${definition.name} must be one of: ${choices.map((c) => c.name).join(', ')}`];
}

function describeType(type: number): string {
  switch (type) {
    case OptionType.String:
      return 'text';
    case OptionType.Integer:
      return 'a whole number';
    case OptionType.Number:
      return 'a number';
    case OptionType.Boolean:
      return 'true or false';
    case OptionType.User:
      return 'a member or user';
    case OptionType.Channel:
      return 'a channel';
    case OptionType.Role:
      return 'a role';
    case OptionType.Mentionable:
      return 'a member or a role';
    case OptionType.Attachment:
      return 'an uploaded file';
    default:
      return `of option type ${type}`;
  }
}
