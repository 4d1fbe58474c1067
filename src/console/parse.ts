/** What one console line asks for. */
export type ConsoleInput =
  | { kind: 'empty' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'command'; name: string; words: string[]; options: Record<string, string> }
  | { kind: 'as'; user: string; moderator: boolean }
  | { kind: 'press'; target: string; reply?: number }
  | { kind: 'pick'; target: string; values: string[]; reply?: number }
  | { kind: 'voice'; channel: string | null }
  | { kind: 'submit'; fields: Record<string, string> }
  | { kind: 'advance'; ms: number; text: string }
  | { kind: 'channel'; name: string }
  | { kind: 'time' }
  | { kind: 'error'; message: string };

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** Splits on spaces, keeping "quoted text" (and name:"quoted value") together, quotes removed. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'" || ch === '“' || ch === '”') {
      quote = ch === '“' ? '”' : ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error('a quote is not closed');
  if (started || current) tokens.push(current);
  return tokens;
}

/** `name:value` pairs and bare words (subcommands) of a slash command line. */
function splitOptions(tokens: string[]): { words: string[]; options: Record<string, string> } {
  const words: string[] = [];
  const options: Record<string, string> = {};
  for (const token of tokens) {
    const match = /^([a-z0-9_-]+):(.*)$/is.exec(token);
    if (match) options[match[1]!.toLowerCase()] = match[2]!;
    else words.push(token);
  }
  return { words, options };
}

/** A `reply:N` word among the others (which earlier reply a press or pick is for). */
function replyNumber(tokens: string[]): { words: string[]; reply?: number | 'bad' } {
  const words: string[] = [];
  let reply: number | 'bad' | undefined;
  for (const token of tokens) {
    const match = /^reply:(.*)$/i.exec(token);
    if (!match) words.push(token);
    else reply = /^#?\d+$/.test(match[1]!) ? Number(match[1]!.replace('#', '')) : 'bad';
  }
  return reply === undefined ? { words } : { words, reply };
}

export function parseLine(line: string): ConsoleInput {
  let tokens: string[];
  try {
    tokens = tokenize(line.trim());
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  const [first, ...rest] = tokens;
  if (first === undefined || first.startsWith('#!')) return { kind: 'empty' };
  if (first.startsWith('/')) {
    const name = first.slice(1).toLowerCase();
    if (!name) return { kind: 'error', message: 'Type a command name after the slash, e.g. /next' };
    return { kind: 'command', name, ...splitOptions(rest) };
  }
  const advance = /^\+(\d+)([dhm])$/i.exec(first);
  if (advance) {
    const unit = advance[2]!.toLowerCase() as keyof typeof UNIT_MS;
    return { kind: 'advance', ms: Number(advance[1]) * UNIT_MS[unit], text: first };
  }
  switch (first.toLowerCase()) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
    case '.exit':
      return { kind: 'quit' };
    case 'time':
    case 'now':
      return { kind: 'time' };
    case 'as': {
      const [user, flag] = rest;
      if (!user) return { kind: 'error', message: 'Say who: `as alice`, or `as mod` for a moderator.' };
      const moderator = user.toLowerCase() === 'mod' || flag?.toLowerCase() === 'mod';
      return { kind: 'as', user: user.toLowerCase(), moderator };
    }
    case 'press': {
      const { words, reply } = replyNumber(rest);
      if (reply === 'bad') return { kind: 'error', message: 'A reply number is a whole number: `press 1 reply:4`.' };
      if (words.length === 0) return { kind: 'error', message: 'Say which button: `press 1`, `press Mark done`, or `press 1 reply:4` for an earlier reply.' };
      return { kind: 'press', target: words.join(' '), ...(reply !== undefined ? { reply } : {}) };
    }
    case 'pick': {
      const { words, reply } = replyNumber(rest);
      if (reply === 'bad') return { kind: 'error', message: 'A reply number is a whole number: `pick 1 value reply:4`.' };
      const [target, ...values] = words;
      if (!target || values.length === 0) return { kind: 'error', message: 'Say which menu and what to pick: `pick 1 value`.' };
      return { kind: 'pick', target, values, ...(reply !== undefined ? { reply } : {}) };
    }
    case 'join':
    case 'move': {
      const name = rest[0];
      if (!name || rest.length > 1) return { kind: 'error', message: `Say which voice channel: \`${first.toLowerCase()} #study-hall\`.` };
      return { kind: 'voice', channel: name.replace(/^#/, '').toLowerCase() };
    }
    case 'leave':
      if (rest.length > 0) return { kind: 'error', message: '`leave` takes nothing: it leaves whatever voice channel you are in.' };
      return { kind: 'voice', channel: null };
    case 'submit':
      return { kind: 'submit', fields: splitOptions(rest).options };
    case 'channel': {
      const name = rest[0];
      if (!name) return { kind: 'error', message: 'Say which channel: `channel #general`.' };
      return { kind: 'channel', name: name.replace(/^#/, '') };
    }
    default:
      return { kind: 'error', message: `I do not know “${first}”. Type a slash command like /next, or \`help\`.` };
  }
}
