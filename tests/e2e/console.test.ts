import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
function runConsole(lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/console.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
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
});
