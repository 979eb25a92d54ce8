import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFlagsOf, SERVER_NODE_FLAGS } from '../../tools/server-process';

const root = join(__dirname, '..', '..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;

/** The Dockerfile's CMD, an exec-form JSON array, as one command line. */
function dockerCommand(): string {
  const line = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('CMD '));
  return (JSON.parse((line as string).slice('CMD '.length)) as string[]).join(' ');
}

describe('how the server is started', () => {
  it('runs npm start through start:prod, after a build', () => {
    expect(scripts.start).toBe('npm run build && npm run start:prod');
  });

  it('gives the Dockerfile the same node flags as start:prod', () => {
    expect(nodeFlagsOf(dockerCommand())).toEqual(nodeFlagsOf(scripts['start:prod']));
  });

  it('starts the tests\' and the bench\'s servers with those flags, the young generation capped', () => {
    expect(SERVER_NODE_FLAGS).toEqual(nodeFlagsOf(scripts['start:prod']));
    expect(SERVER_NODE_FLAGS).toContain('--max-semi-space-size=4');
  });

  it('refuses a start command it cannot read', () => {
    expect(() => nodeFlagsOf('node --inspect dist/other.js')).toThrow(/not a start command/);
    expect(() => nodeFlagsOf('npm run start:prod')).toThrow(/not a start command/);
    expect(nodeFlagsOf('node dist/src/main.js')).toEqual([]);
  });
});
