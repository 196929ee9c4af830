// npm run diagram: docs/architecture.png from the synthesized default estate (cdk-dia + graphviz's dot).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEstate } from '../infra/bin/estate.ts';
import { parseConfig } from '../infra/config/index.ts';
import { createEstateApp } from '../infra/lib/app.ts';

const target = resolve('docs/architecture.png');

if (spawnSync('dot', ['-V']).status !== 0) {
  console.error(
    'graphviz is missing: install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)',
  );
  process.exit(1);
}

// The default topology, not the user's config: the committed picture must not depend on who drew it.
const outdir = mkdtempSync(join(tmpdir(), 'estate-diagram-'));
const app = createEstateApp({ outdir, builtinValidation: false });
const { stacks } = buildEstate(app, parseConfig({}, 'defaults'));
app.synth();

// One stack per (account, concern): the other regions' stacks of a concern are the same construct
// with other names, and six copies side by side make every label unreadable.
const shown = new Map<string, string>();
for (const stack of stacks) {
  const key = `${stack.site.role}/${stack.stackName.replace(`-${stack.site.region}`, '')}`;
  if (!shown.has(key)) shown.set(key, stack.stackName);
}

const cdkDia = resolve('node_modules/cdk-dia/dist/bin/cli.js');
const rendered = join(outdir, 'architecture.png');
const result = spawnSync(
  process.execPath,
  [cdkDia, '--tree', join(outdir, 'tree.json'), '--target', rendered, '--include', ...shown.values()],
  { stdio: 'inherit' },
);
if (result.status === 0) copyFileSync(rendered, target);
rmSync(outdir, { recursive: true, force: true });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`wrote ${target} (${[...shown.values()].join(', ')})`);
