import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { parseLine, type ConsoleInput } from './parse.js';
import { componentsOf, renderMessage, renderModal, type MessageJson, type Names } from './render.js';

type CommandJson = RESTPostAPIChatInputApplicationCommandsJSONBody;
interface OptionJson {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string | number }[];
  channel_types?: number[];
  options?: OptionJson[];
}

/** An interaction option as sent in INTERACTION_CREATE (values of users/channels/roles are ids). */
export interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: RawOption[];
}

/** What Discord recorded for one interaction: its callback, the message shown, follow-ups. */
export interface ReplyRecord {
  callback?: { type: number; data?: MessageJson } | undefined;
  original?: MessageJson | undefined;
  followups: MessageJson[];
}

export interface Actor {
  name: string;
  moderator: boolean;
}

/**
 * What the console needs from a Discord: the real bot runs behind it (scripts/console.ts wires
 * the fake Discord from the tests and startCohort). Kept as an interface so that src/ never
 * imports test code.
 */
export interface ConsoleDriver {
  commands(): readonly CommandJson[];
  names: Names;
  /** A channel's id by name, created on first use as the first of `types` (a text channel when none is given). */
  channelId(name: string, types?: readonly number[]): string;
  roleId(name: string): string;
  userId(name: string): string;
  /** Sends a slash command; rejects, in words for the person typing, options Discord's client would not send. */
  command(actor: Actor, name: string, options: RawOption[]): Promise<ReplyRecord>;
  /** Presses a component of `message`, in the message's own channel (a DM's buttons are pressed in the DM). */
  component(actor: Actor, customId: string, message: MessageJson, values?: string[]): Promise<ReplyRecord>;
  /** The message as it is now (edited since it was shown), or as given when it is not stored in a channel. */
  current(message: MessageJson): MessageJson;
  /** Puts the member in a voice channel by name (created as a voice channel on first use), or out of voice (null). */
  voice(actor: Actor, channel: string | null): Promise<string>;
  modal(actor: Actor, customId: string, fields: Record<string, string>, message?: MessageJson): Promise<ReplyRecord>;
  now(): Date;
  /** Moves the clock forward minute by minute, running the scheduler's jobs at each minute as real time does; `onStep` gets the posts of the step. */
  advance(ms: number, onStep: (now: Date, posts: Post[]) => void): Promise<void>;
  /** Messages the bot posted to channels and DMs (not replies) since the last call. */
  newPosts(): Post[];
  /** Payloads the bot sent that real Discord would reject, since the last call. */
  newViolations(): string[];
  channelMessages(name: string): MessageJson[];
}

export interface Post {
  /** The channel's label (`general`, `study › Week 3`); for a DM, the member's name. */
  channel: string;
  /** Set for a direct message: the member it went to. */
  dm?: boolean;
  message: MessageJson;
}

export const HELP = `Type slash commands as in Discord; options are name:value (quote values with spaces).
  /next                                 /done step:python-programming
  /checkin note:"read chapter 3"        /setup prompts channel:#general time:18:00
  /setup show                           /admin streak fix user:@alice ...
  channels are #name, roles and users @name (created on first use); autocomplete options take ids.
Other input:
  as <name> | as mod | as <name> mod    act as another member (mod = Manage Messages)
  press <n> | press <label>             press a button of the last reply
  press <n> reply:<r>                   press a button of an earlier reply, post or DM (numbered “reply r”)
  pick <n> <value…> [reply:<r>]         choose in a select menu
  submit field:value …                  fill the form (modal) of the last reply
  join #study-hall | move #other | leave   go into, across or out of voice (study rooms)
  +1d | +3h | +30m                      move the clock minute by minute (a day takes under a minute); posts and DMs are shown
  time                                  show the clock
  channel #general                      show the messages posted in a channel
  help | quit`;

const MEMBER: Actor = { name: 'you', moderator: false };

/** The console's interpreter: one line in, readable text out, through the real bot. */
export class ConsoleSession {
  private actor: Actor = MEMBER;
  private last: MessageJson | undefined;
  /** Every message shown that has buttons or menus, by the number printed beside it (from 1). */
  private readonly numbered: MessageJson[] = [];
  /** Ids of the DMs shown: what a press in one of them answers is shown as in the DM. */
  private readonly dms = new Set<string>();
  private modal: { customId: string; message?: MessageJson } | undefined;

  constructor(
    private readonly driver: ConsoleDriver,
    private readonly print: (text: string) => void,
  ) {}

  get who(): Actor {
    return this.actor;
  }

  /** Runs one line; resolves false when the session should end. */
  async run(line: string): Promise<boolean> {
    const input = parseLine(line);
    try {
      const goOn = await this.dispatch(input);
      this.flush();
      return goOn;
    } catch (error) {
      this.print(`⚠️  ${error instanceof Error ? error.message : String(error)}`);
      this.flush();
      return true;
    }
  }

  private async dispatch(input: ConsoleInput): Promise<boolean> {
    switch (input.kind) {
      case 'empty':
        return true;
      case 'quit':
        return false;
      case 'help':
        this.print(HELP);
        return true;
      case 'error':
        this.print(`⚠️  ${input.message}`);
        return true;
      case 'time':
        this.print(`🕒 ${formatTime(this.driver.now())}`);
        return true;
      case 'as':
        this.actor = { name: input.user, moderator: input.moderator };
        this.driver.userId(input.user);
        this.print(`👤 You are now ${input.user}${input.moderator ? ' (moderator)' : ''}.`);
        return true;
      case 'command':
        this.show(await this.driver.command(this.actor, input.name, this.buildOptions(input)));
        return true;
      case 'press':
        await this.press(input.target, input.reply);
        return true;
      case 'pick':
        await this.pick(input.target, input.values, input.reply);
        return true;
      case 'voice':
        this.print(await this.driver.voice(this.actor, input.channel));
        return true;
      case 'submit': {
        if (!this.modal) throw new Error('There is no form to fill: the last reply did not open one.');
        const { customId, message } = this.modal;
        this.modal = undefined;
        this.show(await this.driver.modal(this.actor, customId, input.fields, message));
        return true;
      }
      case 'advance':
        await this.driver.advance(input.ms, (now, posts) => {
          for (const post of posts) this.printPost(post, now);
        });
        this.print(`🕒 ${input.text} → ${formatTime(this.driver.now())}`);
        return true;
      case 'channel': {
        const messages = this.driver.channelMessages(input.name);
        if (messages.length === 0) this.print(`#${input.name} has no messages yet.`);
        for (const message of messages) this.print(`📣 #${input.name}${this.numberOf(message)}\n${renderMessage(message, this.driver.names)}`);
        if (messages.length > 0) this.last = messages.at(-1);
        return true;
      }
    }
  }

  private async press(target: string, reply?: number): Promise<void> {
    const { component, message } = this.findComponent(target, reply);
    if (component.type === 'link') {
      this.print(`↗ ${component.url} (a link: it opens in the browser)`);
      return;
    }
    if (component.type === 'select') throw new Error(`That is a menu: use \`pick ${component.index} <value>\`.`);
    if (component.disabled) throw new Error(`“${component.label}” is disabled.`);
    this.show(await this.driver.component(this.actor, component.customId!, message), this.dms.has(String(message.id)));
  }

  private async pick(target: string, values: string[], reply?: number): Promise<void> {
    const { component, message } = this.findComponent(target, reply);
    if (component.type !== 'select') throw new Error(`“${component.label}” is not a menu; use \`press\`.`);
    const resolved = values.map((v) => component.options?.find((o) => o.value === v || o.label.toLowerCase() === v.toLowerCase())?.value ?? v);
    this.show(await this.driver.component(this.actor, component.customId!, message, resolved), this.dms.has(String(message.id)));
  }

  /** A component of the last reply, or of the message numbered `reply`, as that message is now. */
  private findComponent(target: string, reply?: number) {
    let shown: MessageJson | undefined;
    if (reply === undefined) {
      shown = this.last;
      if (!shown) throw new Error('There is no reply with buttons yet.');
    } else {
      shown = this.numbered[reply - 1];
      if (!shown) {
        throw new Error(this.numbered.length ? `There is no reply ${reply}: replies with buttons are numbered 1 to ${this.numbered.length}.` : 'No reply with buttons has been shown yet.');
      }
    }
    const message = this.driver.current(shown);
    const components = componentsOf(message);
    const which = reply === undefined ? 'The last reply' : `Reply ${reply}`;
    if (components.length === 0) throw new Error(`${which} has no buttons${reply === undefined && this.numbered.length ? `; press one of an earlier reply with \`press 1 reply:${this.numbered.length}\`` : ''}.`);
    const wanted = target.trim().toLowerCase();
    const found = /^\d+$/.test(wanted)
      ? components.find((c) => c.index === Number(wanted))
      : (components.find((c) => c.label.toLowerCase() === wanted) ?? components.find((c) => c.label.toLowerCase().includes(wanted)));
    if (!found) throw new Error(`No button “${target}”. ${which} has: ${components.map((c) => `[${c.index} ${c.label}]`).join(' ')}`);
    return { component: found, message };
  }

  private show(record: ReplyRecord, inDm = false): void {
    const callback = record.callback;
    if (callback?.type === 9) {
      this.modal = { customId: String(callback.data?.custom_id), ...(this.last ? { message: this.last } : {}) };
      this.print(renderModal(callback.data ?? {}));
      return;
    }
    const message = record.original ?? callback?.data;
    if (message) {
      const ephemeral = (Number(message.flags ?? 0) & 64) !== 0;
      const who = inDm ? '✉️  (in the DM)' : ephemeral ? '🔒 (only you see this)' : '💬 (everyone in the channel sees this)';
      this.print(`${who}${this.numberOf(message)}\n${renderMessage(message, this.driver.names)}`);
      this.last = message;
    } else if (callback?.type === 6) {
      this.print('(acknowledged; nothing changed)');
    } else {
      this.print('(no reply)');
    }
    for (const followup of record.followups) {
      const ephemeral = (Number(followup.flags ?? 0) & 64) !== 0;
      this.print(`${ephemeral ? '🔒 follow-up' : '💬 follow-up'}${this.numberOf(followup)}\n${renderMessage(followup, this.driver.names)}`);
      if (componentsOf(followup).length > 0) this.last = followup;
    }
  }

  private flush(): void {
    for (const post of this.driver.newPosts()) this.printPost(post);
    for (const problem of this.driver.newViolations()) this.print(`⚠️  Discord would reject a message the bot sent: ${problem}`);
  }

  private printPost(post: Post, at?: Date): void {
    const where = post.dm ? `✉️  DM to @${post.channel}` : `📣 #${post.channel}`;
    if (post.dm && typeof post.message.id === 'string') this.dms.add(post.message.id);
    this.print(`${where}${at ? ` at ${formatTime(at)}` : ''}${this.numberOf(post.message)}\n${renderMessage(post.message, this.driver.names)}`);
  }

  /** ` · reply N` for a message with buttons or menus (so that `press … reply:N` finds it later); '' otherwise. */
  private numberOf(message: MessageJson): string {
    if (componentsOf(message).length === 0) return '';
    const id = message.id as string | undefined;
    const known = id === undefined ? -1 : this.numbered.findIndex((m) => m.id === id);
    if (known >= 0) {
      this.numbered[known] = message;
      return ` · reply ${known + 1}`;
    }
    this.numbered.push(message);
    return ` · reply ${this.numbered.length}`;
  }

  /** Turns `name:value` words into Discord's option tree, checked and typed by the command's definition. */
  private buildOptions(input: Extract<ConsoleInput, { kind: 'command' }>): RawOption[] {
    const definition = this.driver.commands().find((c) => c.name === input.name);
    if (!definition) {
      const names = this.driver.commands().map((c) => `/${c.name}`).sort().join(' ');
      throw new Error(`There is no /${input.name}. Commands: ${names}`);
    }
    let level = (definition.options ?? []) as OptionJson[];
    const path: OptionJson[] = [];
    const words = [...input.words];
    while (level.some((o) => o.type === 1 || o.type === 2)) {
      const word = words.shift()?.toLowerCase();
      const next = level.find((o) => (o.type === 1 || o.type === 2) && o.name === word);
      if (!next) {
        const choices = level.filter((o) => o.type === 1 || o.type === 2).map((o) => o.name).join(', ');
        throw new Error(`/${[input.name, ...path.map((p) => p.name)].join(' ')} needs one of: ${choices}`);
      }
      path.push(next);
      level = next.options ?? [];
    }
    if (words.length > 0) throw new Error(`I did not understand “${words.join(' ')}”. Options are name:value, e.g. ${level[0] ? `${level[0].name}:…` : '(this command has none)'}`);

    const leaf: RawOption[] = [];
    for (const [name, text] of Object.entries(input.options)) {
      const option = level.find((o) => o.name === name);
      if (!option) throw new Error(`/${[input.name, ...path.map((p) => p.name)].join(' ')} has no option “${name}”. Options: ${level.map((o) => o.name).join(', ') || 'none'}`);
      leaf.push({ name, type: option.type, value: this.convert(option, text) });
    }
    // Limits (required options, ranges, lengths, choices, channel kinds) are checked by the driver
    // with the fake Discord's validator, the one that refuses what Discord's client would not send.
    return path.reduceRight<RawOption[]>((inner, p) => [{ name: p.name, type: p.type, options: inner }], leaf);
  }

  private convert(option: OptionJson, text: string): string | number | boolean {
    const fromChoices = () => option.choices?.find((c) => c.name.toLowerCase() === text.toLowerCase() || String(c.value) === text)?.value;
    switch (option.type) {
      case 3:
        return fromChoices() ?? text;
      case 4:
      case 10: {
        const choice = fromChoices();
        if (choice !== undefined) return choice;
        const value = Number(text);
        if (text.trim() === '' || Number.isNaN(value) || (option.type === 4 && !Number.isInteger(value))) throw new Error(`${option.name} must be ${option.type === 4 ? 'a whole number' : 'a number'}.`);
        return value;
      }
      case 5:
        if (/^(true|yes|on|1)$/i.test(text)) return true;
        if (/^(false|no|off|0)$/i.test(text)) return false;
        throw new Error(`${option.name} must be true or false.`);
      case 6:
      case 9:
        return /^\d{15,}$/.test(text) ? text : this.driver.userId(text.replace(/^@/, '').toLowerCase());
      case 7:
        return /^\d{15,}$/.test(text) ? text : this.driver.channelId(text.replace(/^#/, '').toLowerCase(), option.channel_types);
      case 8:
        return /^\d{15,}$/.test(text) ? text : this.driver.roleId(text.replace(/^@&?/, '').toLowerCase());
      default:
        throw new Error(`The console cannot send ${option.name} (an attachment); try it in Discord.`);
    }
  }
}

function formatTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
