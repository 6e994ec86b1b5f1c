import { Command, CommanderError } from 'commander';
import { triageCommand } from './triage.ts';
import { detectorsCommand } from './detectors.ts';
import { dnsCommand } from './dns.ts';
import { orionCommand } from './orion.ts';
import { intelCommand } from './intel.ts';
import { exchangeCommand } from './exchange.ts';
import { setRawArgs, sigmaCommand } from './sigma.ts';
import { mailCommand } from './mail.ts';
import { caseCommand } from './case.ts';
import { tokenCommand } from './token.ts';
import { serveCommand } from './serve.ts';
import { EXIT_USAGE_OR_INPUT, UsageError } from './exit.ts';
import { VERSION } from './version.ts';

/** `vigil`: one program, one subcommand per job. */
export function buildProgram(): Command {
  const program = new Command('vigil')
    .description(
      'Were we hit, what did they do, what do we fix? Incident response for Exchange compromise,\ntrusted-sender phishing and supply-chain beacons.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`vigil: ${s.replace(/^error: /, '')}`) });
  triageCommand(program);
  dnsCommand(program);
  orionCommand(program);
  intelCommand(program);
  exchangeCommand(program);
  sigmaCommand(program);
  mailCommand(program);
  detectorsCommand(program);
  caseCommand(program);
  tokenCommand(program);
  serveCommand(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.exitOverride();
    c.description(reflow(c.description()));
  }
  return program;
}

/**
 * Descriptions are written as paragraphs with line breaks for the source's sake; join them so
 * commander wraps them to the terminal. Blank lines separate paragraphs; indented lines (commands
 * to type) are kept as they are.
 */
export function reflow(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((para) =>
      para.split('\n').reduce((acc, line) => {
        if (/^\s/.test(line)) return `${acc}\n${line}`;
        if (!acc) return line;
        return acc.endsWith('\n') || /\n\s+\S[^\n]*$/.test(acc) ? `${acc}\n${line}` : `${acc} ${line}`;
      }, ''),
    )
    .join('\n\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const program = buildProgram();
  setRawArgs(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return EXIT_USAGE_OR_INPUT;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`vigil: ${e.message}\n`);
      return EXIT_USAGE_OR_INPUT;
    }
    throw e;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
