import type { Command } from 'commander';
import { DETECTORS, READERS } from '../triage/registry.ts';

export function detectorsCommand(program: Command): void {
  program
    .command('detectors')
    .summary('list the readers and detectors this build of Vigil has')
    .description(
      'List the file kinds Vigil reads and the detectors it runs, with the rule ids each can emit.',
    )
    .action(() => {
      const out: string[] = ['Readers (file kinds recognised by content):'];
      for (const k of Object.keys(READERS)) out.push(`  ${k}`);
      out.push('', 'Detectors:');
      for (const d of DETECTORS) {
        out.push(`  ${d.id}  [${d.kinds.join(', ')}]`, `    ${d.description}`);
        for (const r of d.rules) out.push(`    rule ${r.id}: ${r.title}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
