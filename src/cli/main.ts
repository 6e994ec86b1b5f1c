import { Command, CommanderError } from 'commander';
import { EXIT_USAGE_OR_INPUT, UsageError } from './exit.ts';
import { VERSION } from './version.ts';
import { enableCompileCache } from '../io/cache-dir.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: a command's module pulls in its
 * readers, detectors and libraries (mailauth alone costs ~0.3 CPU-s), and a responder who runs
 * `vigil exchange hunt` once per server should not pay for the mail engine. The order is the
 * order of `vigil --help`.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  triage: async () => (await import('./triage.ts')).triageCommand,
  dns: async () => (await import('./dns.ts')).dnsCommand,
  orion: async () => (await import('./orion.ts')).orionCommand,
  intel: async () => (await import('./intel.ts')).intelCommand,
  exchange: async () => (await import('./exchange.ts')).exchangeCommand,
  sigma: async () => (await import('./sigma.ts')).sigmaCommand,
  mail: async () => (await import('./mail.ts')).mailCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  case: async () => (await import('./case.ts')).caseCommand,
  token: async () => (await import('./token.ts')).tokenCommand,
  detectors: async () => (await import('./detectors.ts')).detectorsCommand,
};

/**
 * The commands a command line needs: the one it names; none for a bare `--version`; every one
 * otherwise (`--help`, a mistyped name that commander should answer with suggestions).
 */
export function commandsFor(argv: readonly string[]): readonly string[] {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && argv.some((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

/** `vigil`: one program, one subcommand per job. */
export async function buildProgram(only: readonly string[] = Object.keys(COMMANDS)): Promise<Command> {
  const registers = await Promise.all(only.map((name) => COMMANDS[name]!()));
  const program = new Command('vigil')
    .description(
      'Were we hit, what did they do, what do we fix? Incident response for Exchange compromise,\ntrusted-sender phishing and supply-chain beacons.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`vigil: ${s.replace(/^error: /, '')}`) });
  for (const register of registers) register(program);
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
  enableCompileCache();
  const only = commandsFor(argv);
  const program = await buildProgram(only);
  if (only.includes('sigma')) (await import('./sigma.ts')).setRawArgs(argv);
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
