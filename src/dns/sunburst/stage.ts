/**
 * What a DNS answer told the implant (DnsHelper.GetAddressFamily, reference §1.12), and the stage
 * a host reached. The ranges are the implant's own; they are modes, not attacker hosts.
 */
export type AnswerFamily = 'atm' | 'implink' | 'ipx' | 'netbios' | 'netbios_ext' | 'cname' | 'other';

type Range = readonly [base: number, bits: number];
const v4 = (s: string): number => s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const r = (cidr: string): Range => {
  const [a, b] = cidr.split('/');
  return [v4(a!), Number(b)];
};

const FAMILIES: readonly (readonly [AnswerFamily, readonly Range[]])[] = [
  ['atm', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4'].map(r)],
  ['implink', ['20.140.0.0/15', '96.31.172.0/24', '131.228.12.0/22', '144.86.226.0/24'].map(r)],
  ['ipx', ['41.84.159.0/24', '74.114.24.0/21', '154.118.140.0/24', '217.163.7.0/24'].map(r)],
  ['netbios', ['8.18.144.0/23', '71.152.53.0/24', '87.238.80.0/21', '199.201.117.0/24'].map(r)],
  ['netbios_ext', ['18.130.0.0/16', '99.79.0.0/16', '184.72.0.0/15'].map(r)],
];

const inRange = (ip: number, [base, bits]: Range) =>
  bits === 0 || Math.floor(ip / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

/** Classify one answer (an IPv4 address, an IPv6 address or a CNAME target). */
export function answerFamily(answer: string): AnswerFamily {
  const a = answer.trim().toLowerCase().replace(/\.$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(a)) {
    const ip = v4(a);
    for (const [fam, ranges] of FAMILIES) if (ranges.some((x) => inRange(ip, x))) return fam;
    return 'other';
  }
  if (a.includes(':')) {
    // fc00::/7, fec0::/10, ff00::/8 are Atm in the implant; ::ffff: mapped v4 follows its v4.
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
    if (mapped) return answerFamily(mapped[1]!);
    if (/^f[cd]/.test(a) || /^fe[c-f]/.test(a) || /^ff/.test(a)) return 'atm';
    return 'other';
  }
  return /^[a-z0-9.-]+$/.test(a) ? 'cname' : 'other';
}

/**
 * How far a host got, most advanced last. `killed` (Atm/ImpLink answer: the implant stops for good)
 * and `reset` (Ipx) are recorded beside the progression, not in it.
 */
export const STAGES = ['beacon', 'active', 'stage2', 'targeted'] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(family: AnswerFamily, stage2Flag: boolean): Stage {
  if (family === 'cname') return stage2Flag ? 'targeted' : 'beacon';
  if (family === 'netbios_ext') return 'stage2';
  if (family === 'netbios') return 'active';
  return 'beacon';
}

export function maxStage(a: Stage, b: Stage): Stage {
  return STAGES.indexOf(a) >= STAGES.indexOf(b) ? a : b;
}
