import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_START, startCommandOf } from '../../tools/server-process';

const root = join(__dirname, '..', '..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n');

/** The Dockerfile's CMD, an exec-form JSON array, as one command line. */
function dockerCommand(): string {
  const line = dockerfile.find((candidate) => candidate.startsWith('CMD '));
  return (JSON.parse((line as string).slice('CMD '.length)) as string[]).join(' ');
}

/** Every variable the Dockerfile's ENV lines set (the `ENV NAME=value NAME=value` form). */
function dockerEnv(): Record<string, string> {
  const pairs = dockerfile
    .filter((line) => line.startsWith('ENV '))
    .flatMap((line) => line.slice('ENV '.length).trim().split(/\s+/))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
  return Object.fromEntries(pairs);
}

describe('how the server is started', () => {
  it('runs npm start through start:prod, after a build', () => {
    expect(scripts.start).toBe('npm run build && npm run start:prod');
  });

  it('gives the Dockerfile the same node flags and environment as start:prod', () => {
    const start = startCommandOf(scripts['start:prod']);
    expect(startCommandOf(dockerCommand()).nodeFlags).toEqual(start.nodeFlags);
    expect(dockerEnv()).toMatchObject(start.env);
  });

  it('starts the tests\' and the bench\'s servers that way: young generation, full collections and malloc\'s thresholds set', () => {
    expect(SERVER_START).toEqual(startCommandOf(scripts['start:prod']));
    expect(SERVER_START.nodeFlags).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=30', '--compact-on-every-full-gc']);
    expect(SERVER_START.env).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' });
  });

  it('reads the environment before node and refuses a start command it cannot read', () => {
    expect(startCommandOf('A_B=1 c=x=y node --flag dist/src/main.js')).toEqual({ env: { A_B: '1', c: 'x=y' }, nodeFlags: ['--flag'] });
    expect(startCommandOf('node dist/src/main.js')).toEqual({ env: {}, nodeFlags: [] });
    expect(() => startCommandOf('node --inspect dist/other.js')).toThrow(/not a start command/);
    expect(() => startCommandOf('npm run start:prod')).toThrow(/not a start command/);
    expect(() => startCommandOf('A=1 npm run start:prod')).toThrow(/not a start command/);
  });
});
