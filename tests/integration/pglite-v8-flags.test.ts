import type * as NodeV8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createPglite, PGLITE_V8_FLAGS } from '../../src/db/pglite.js';
import { FAKE_TOKEN } from '../../src/sim/index.js';

// V8 flags are process-wide and cannot be read back: the calls are recorded instead of made, so
// that this file's PGlites (and no other test's) run as the flags say.
const v8 = vi.hoisted(() => ({ setFlagsFromString: vi.fn<(flags: string) => void>() }));
vi.mock('node:v8', async (original) => ({ ...(await original<typeof NodeV8>()), setFlagsFromString: v8.setFlagsFromString }));

afterEach(() => {
  v8.setFlagsFromString.mockClear();
  vi.restoreAllMocks();
});

describe('the embedded database’s WebAssembly', () => {
  it('is compiled after V8 is told to keep to its baseline compiler (no optimizing tier-up: ~450 MB of peak memory at start)', { timeout: 120_000 }, async () => {
    // PGlite compiles its module with WebAssembly.instantiate (a global the TypeScript libraries here do not declare as a value).
    const wasm = (globalThis as unknown as { WebAssembly: { instantiate: (...args: unknown[]) => Promise<unknown> } }).WebAssembly;
    const compiles = vi.spyOn(wasm, 'instantiate');
    const { client } = await createPglite(undefined);
    try {
      expect((await client.query<{ ok: number }>('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await client.close();
    }
    expect(v8.setFlagsFromString.mock.calls).toEqual([['--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering']]);
    expect(compiles).toHaveBeenCalled();
    expect(v8.setFlagsFromString.mock.invocationCallOrder[0]).toBeLessThan(Math.min(...compiles.mock.invocationCallOrder));
  });

  it('takes the flags PGLITE_V8_FLAGS says (through openDatabase), or none', async () => {
    expect(loadConfig({ DISCORD_TOKEN: FAKE_TOKEN }).PGLITE_V8_FLAGS).toEqual(PGLITE_V8_FLAGS);
    const chosen = loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, PGLITE_V8_FLAGS: ' --no-wasm-tier-up   --wasm-tiering-budget=1000 ' }).PGLITE_V8_FLAGS;
    expect(chosen).toEqual(['--no-wasm-tier-up', '--wasm-tiering-budget=1000']);
    expect(loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, PGLITE_V8_FLAGS: 'None' }).PGLITE_V8_FLAGS).toEqual([]);
    expect(() => loadConfig({ DISCORD_TOKEN: FAKE_TOKEN, PGLITE_V8_FLAGS: '--liftoff-only; rm -rf /' })).toThrow(
      "PGLITE_V8_FLAGS must be V8 flags such as --liftoff-only separated by spaces, or none; not flags: '--liftoff-only;', 'rm', '-rf', '/'",
    );

    const database = await openDatabase({ memory: true }, { pgliteV8Flags: chosen });
    await database.close();
    expect(v8.setFlagsFromString.mock.calls).toEqual([['--no-wasm-tier-up --wasm-tiering-budget=1000']]);
    v8.setFlagsFromString.mockClear();
    const { client: plain } = await createPglite(undefined, { v8Flags: [] });
    await plain.close();
    expect(v8.setFlagsFromString).not.toHaveBeenCalled();
  }, 120_000);
});
