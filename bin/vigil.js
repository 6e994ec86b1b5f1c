#!/usr/bin/env node
// Vigil runs its TypeScript sources directly with Node 24's type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `vigil: needs Node.js 24 or later (this is ${process.version}). Run it through npm, which uses the Node 24 pinned in devDependencies: npx vigil …\n`,
  );
  process.exit(2);
}
const { enableCompileCache } = await import('../src/io/cache-dir.js');
enableCompileCache();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
