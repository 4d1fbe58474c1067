import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/loader.js';

/** The shipped track's core, read from content/ so the expected counts follow the content. */
const shippedCore = (await loadContent(join(import.meta.dirname, '../../content'))).content.tracks[0]!.steps;
const coreLength = shippedCore.length;

const dataDir = mkdtempSync(join(tmpdir(), 'cohort-console-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// A console still running when its test ends (failed or timed out) is killed, and so is any left when the worker exits.
const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('exit', killAll);
afterEach(killAll);

/** Runs `npm run console` the way a content author pipes a script into it; resolves with its output and exit code. */
function runConsole(lines: string[], env: Record<string, string> = { DATA_DIR: dataDir }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/console.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, DATA_DIR: '', DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`console did not exit\n${stdout}\n${stderr}`));
    }, 240_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

/** The output printed for one input line (up to the next echoed input). */
function answerTo(stdout: string, line: string): string {
  const start = stdout.indexOf(`› ${line}\n`);
  if (start < 0) throw new Error(`no output for “${line}” in:\n${stdout}`);
  const rest = stdout.slice(start + line.length + 3);
  const end = rest.indexOf('\n› ');
  return end < 0 ? rest : rest.slice(0, end);
}

describe('npm run console', () => {
  it('runs slash commands, buttons, members and the clock through the real bot, piped, and exits', { timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await runConsole([
      '/next',
      'press Mark done',
      'as mod',
      '/setup prompts channel:#study time:07:30',
      'as alice',
      '/setup show',
      '/next',
      'press 2',
      '/done',
      '/setup streaks rollover_hour:25',
      '/nope',
      '+1d',
      'quit',
      '/next', // after quit: never run
    ]);
    expect(code, stderr).toBe(0);
    expect(answerTo(stdout, '/next')).toContain(`step 1 of ${coreLength}`);
    expect(answerTo(stdout, '/next')).toMatch(/\[1 ✅ Mark done\] \[2 Roadmap\]/);
    expect(answerTo(stdout, '/next')).toContain('🔒');
    expect(answerTo(stdout, 'press Mark done')).toContain(`step 2 of ${coreLength}`);
    expect(answerTo(stdout, '/setup prompts channel:#study time:07:30')).toContain('On · #study · 07:30');
    expect(answerTo(stdout, '/setup show')).toContain('Only moderators can do that');
    expect(answerTo(stdout, 'press 2')).toContain('Roadmap');
    expect(answerTo(stdout, '/done')).toContain('Missing required option: step:');
    // the limits Discord's client enforces, from the fake's validator, before anything is sent
    expect(answerTo(stdout, '/setup streaks rollover_hour:25')).toContain('rollover_hour must be between 0 and 23');
    expect(answerTo(stdout, '/nope')).toContain('There is no /nope');

    const day = answerTo(stdout, '+1d');
    expect(day).toMatch(/📣 #study at \d{4}-\d\d-\d\d 07:\d\d UTC/);
    const before = /Clock: (\S+)\./.exec(stdout)![1]!;
    const after = /🕒 \+1d → (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(day)![1]!;
    expect(new Date(`${after.replace(' ', 'T')}:00Z`).getTime() - new Date(before).getTime()).toBeGreaterThanOrEqual(86_400_000 - 60_000);
    expect(stdout.split('› /next').length - 1).toBe(2);
  });

  it('keeps progress in DATA_DIR for the next session', { timeout: 600_000 }, async () => {
    const { code, stdout } = await runConsole(['/next']);
    expect(code).toBe(0);
    expect(answerTo(stdout, '/next')).toContain(`step 2 of ${coreLength}`);
  });

  it('keeps the fake server beside a named database: the next run finds its channels, members and messages', { timeout: 600_000 }, async () => {
    const first = await runConsole(['as alice', '/focus start focus:25 break:5 rounds:1', 'as mod', '/setup prompts channel:#study time:07:30']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(dataDir, 'cohort-console.json'))).toBe(true);

    // The focus card and #study are still there: the session ends with an edit of the card and a ping of @alice.
    const { code, stdout, stderr } = await runConsole(['channel #study', '+30m', '/leaderboard board:study']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('with the server from last time');
    expect(answerTo(stdout, 'channel #study')).not.toContain('There is no #study');
    expect(answerTo(stdout, '+30m')).toMatch(/Focus session done[\s\S]*@alice/);
    expect(answerTo(stdout, '/leaderboard board:study')).toContain('@alice · 25 m');
    expect(stdout).not.toMatch(/@member-\d+/);
    expect(stderr).not.toMatch(/DiscordAPIError|10008|Unknown Message/);
  });

  it('starts on a fresh temporary database when none is named, and leaves nothing behind', { timeout: 600_000 }, async () => {
    // Its own temporary folder, to see that the console's database is gone afterwards.
    const tmp = mkdtempSync(join(tmpdir(), 'cohort-console-tmp-'));
    const first = await runConsole(['/next', 'press Mark done'], { TMPDIR: tmp });
    const leftBehind = readdirSync(tmp).filter((name) => name.startsWith('cohort-console-'));
    rmSync(tmp, { recursive: true, force: true });
    expect(first.code, first.stderr).toBe(0);
    expect(leftBehind).toEqual([]);
    expect(first.stdout).toContain('a fresh temporary one');
    expect(answerTo(first.stdout, 'press Mark done')).toContain(`step 2 of ${coreLength}`);
    const second = await runConsole(['/next'], {});
    expect(second.code, second.stderr).toBe(0);
    expect(answerTo(second.stdout, '/next')).toContain(`step 1 of ${coreLength}`);
  });

  it('behaves like the real bot: minute-by-minute clock, DMs, @everyone, roles below the bot, voice and earlier replies', { timeout: 600_000 }, async () => {
    // Carol's digest comes due during the last jump below: the console's clock starts at the real
    // time and then moves 1 h + 40 min before that 15-minute jump.
    const due = new Date(Date.now() + 108 * 60_000);
    const day = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][due.getUTCDay()]!;
    const time = due.toISOString().slice(11, 16);
    const { code, stdout, stderr } = await runConsole(
      [
        'as carol',
        `/settings digest on day:${day} time:${time}`,
        'as you',
        '/focus start focus:25 break:5 rounds:2',
        'as bob',
        '/next',
        'press Mark done',
        'press Join reply:1',
        '+1h',
        '/study',
        'as mod',
        '/setup rewards add kind:streak threshold:3 role:@everyone',
        '/setup rewards add kind:streak threshold:3 role:@admin',
        '/setup rewards add kind:study_hours threshold:1 role:@scholar',
        '/setup study add:#study-hall',
        'as carol',
        'join #study-hall',
        '+40m',
        'move #lounge',
        'leave',
        '/study',
        'leave',
        '+15m',
        'as bob',
        'press 1 reply:3',
        'as carol',
        'press 1 reply:3',
        'as mod',
        '/admin progress reset member:@bob',
        'press Reset progress',
        'press 9 reply:99',
      ],
      {},
    );
    expect(code, stderr).toBe(0);

    // +1h runs every minute in between: both rounds count, the session ends.
    const hour = answerTo(stdout, '+1h');
    expect(hour).toContain('Break');
    expect(hour).toContain('Round 2 of 2');
    expect(hour).toMatch(/Focus session done[\s\S]*@you @bob|Focus session done[\s\S]*@bob @you/);
    expect(answerTo(stdout, 'press Join reply:1')).toContain('You joined the focus session');
    expect(answerTo(stdout, '/study')).toContain('50 m');

    // @everyone is the server's own role; the bot sits above the roles the console makes, below admin.
    expect(answerTo(stdout, '/setup rewards add kind:streak threshold:3 role:@everyone')).toContain('`@everyone` cannot be a milestone role');
    expect(answerTo(stdout, '/setup rewards add kind:streak threshold:3 role:@admin')).toContain('at or above my highest role');
    expect(answerTo(stdout, '/setup rewards add kind:study_hours threshold:1 role:@scholar')).toContain('Added reward #1');

    // Voice: a study room made on first use as a voice channel; 40 minutes in it count, #lounge does not.
    expect(answerTo(stdout, '/setup study add:#study-hall')).toContain('#study-hall');
    expect(answerTo(stdout, 'join #study-hall')).toContain('carol joined #study-hall');
    expect(answerTo(stdout, 'move #lounge')).toContain('moved from #study-hall to #lounge');
    expect(answerTo(stdout, 'leave')).toContain('carol left #lounge');
    const carolStudy = stdout.split('› /study')[2]!;
    expect(carolStudy).toContain('40 m');
    expect(stdout).toContain('carol is not in a voice channel');

    // DMs are shown, and a DM's button is pressed by its recipient only.
    const digest = answerTo(stdout, '+15m');
    expect(digest).toMatch(/✉️ {2}DM to @carol at .* · reply 3/);
    expect(digest).toContain('Your week in Cohort console');
    expect(answerTo(stdout, 'press 1 reply:3')).toContain('only they can press its buttons');
    const stop = stdout.split('› press 1 reply:3')[2]!;
    expect(stop).toContain('✉️  (in the DM)');
    expect(stop).toContain('The weekly digest is off');
    expect(answerTo(stdout, 'press Reset progress')).toMatch(/✉️ {2}DM to @bob/);
    expect(answerTo(stdout, 'press 9 reply:99')).toContain('There is no reply 99');
  });
});
