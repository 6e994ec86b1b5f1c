import { base32Decode, base36, firstNonBase32, hex, substitutionDecode } from './codec.ts';
import { decodeProducts, type ProductState } from './products.ts';

/**
 * Decode one SUNBURST DGA query (reference §1.2–1.9). The message type comes from bit 7 of the
 * XOR key (set: domain fragment; clear: ping or security products), never from label length.
 * Every name under avsvmcloud.com gets a result; names that do not fit the shape get a reason.
 */
export const REGIONS = ['eu-west-1', 'us-west-2', 'us-east-1', 'us-east-2'] as const;
export type Region = (typeof REGIONS)[number];

const DGA = /^([0-9a-z]+)\.appsync-api\.(eu-west-1|us-west-2|us-east-1|us-east-2)\.avsvmcloud\.com\.?$/;
const EPOCH = Date.UTC(2010, 0, 1);
const HALF_HOUR = 30 * 60 * 1000;

interface Base {
  readonly fqdn: string;
  readonly label: string;
  readonly region: Region;
  /** 16 upper-case hex digits, in byte order (as Netresec prints). */
  readonly uid: string;
  readonly key: number;
}

export interface DomainFragment extends Base {
  readonly kind: 'domain';
  /** 0, 1, 2, … ; 35 marks the last (or only) chunk. */
  readonly index: number;
  /** The encoded chunk with the implant's trailing `0` marker removed. */
  readonly chunk: string;
  /** The chunk decoded on its own: substitution text, base32 text (first chunk), or null when only reassembly can decode it. */
  readonly text: string | null;
  readonly encoding: 'substitution' | 'base32' | 'unknown';
}

export interface DataMessage extends Base {
  readonly kind: 'ping' | 'services';
  /** Beacon time (UTC, 30-minute resolution). */
  readonly time: string;
  /** The STAGE2 flag: the previous A answer was in an "ext" range (§1.12). */
  readonly stage2: boolean;
  /** The 16-bit security-product word (services messages only). */
  readonly word?: number;
  readonly products?: readonly ProductState[];
}

export interface Invalid {
  readonly kind: 'invalid';
  readonly fqdn: string;
  readonly reason: string;
}

export type Decoded = DomainFragment | DataMessage | Invalid;

/** Is this name one SUNBURST could have queried (so that it deserves a decode or a reason)? */
export function isSunburstName(qname: string): boolean {
  return (
    qname === 'avsvmcloud.com' || qname.endsWith('.avsvmcloud.com') || qname.endsWith('.avsvmcloud.com.')
  );
}

export function decodeQuery(name: string): Decoded {
  const fqdn = name.toLowerCase();
  const m = DGA.exec(fqdn);
  if (!m)
    return {
      kind: 'invalid',
      fqdn,
      reason: 'not a DGA name (<label>.appsync-api.<eu-west-1|us-west-2|us-east-1|us-east-2>.avsvmcloud.com)',
    };
  const label = m[1]!;
  const region = m[2] as Region;
  if (label.length < 16)
    return {
      kind: 'invalid',
      fqdn,
      reason: `label of ${label.length} characters is shorter than any SUNBURST message (16+)`,
    };
  const bad = firstNonBase32(label, 15);
  if (bad >= 0)
    return {
      kind: 'invalid',
      fqdn,
      reason: `character '${label[bad]}' at ${bad} is outside the SUNBURST base32 alphabet`,
    };
  const head = base32Decode(label.slice(0, 15)); // 9 bytes: key + 8 bytes of uid
  const key = head[0]!;
  return key & 0x80 ? fragment(fqdn, label, region, key, head) : dataMessage(fqdn, label, region, key);
}

function fragment(fqdn: string, label: string, region: Region, key: number, head: Uint8Array): Decoded {
  const uidBytes = head.subarray(1, 9).map((b) => b ^ key);
  const uid = hex(uidBytes);
  const expected = REGIONS[uidBytes[0]! % 4]!;
  if (expected !== region)
    return {
      kind: 'invalid',
      fqdn,
      reason: `region ${region} does not match uid ${uid} (the implant would use ${expected})`,
    };
  const ic = base36(label[15]!);
  if (ic < 0) return { kind: 'invalid', fqdn, reason: `index character '${label[15]}' is not base36` };
  const index = (((ic - label.charCodeAt(0)) % 36) + 36) % 36;
  let chunk = label.slice(16);
  if (chunk === '') return { kind: 'invalid', fqdn, reason: 'domain fragment without a chunk' };
  if (chunk.endsWith('0')) chunk = chunk.slice(0, -1); // the implant's marker: exactly one extra 0
  let text: string | null;
  let encoding: DomainFragment['encoding'] = 'unknown';
  if ((index === 0 || index === 35) && chunk.startsWith('00')) {
    // A base32 domain (the name had characters outside [0-9a-z-_.]); a first chunk decodes alone.
    // ("00" cannot start a substitution chunk: 0 is not in its alphabet.)
    const bad = firstNonBase32(chunk);
    if (bad >= 0)
      return {
        kind: 'invalid',
        fqdn,
        reason: `base32 chunk has '${chunk[bad]}' at ${16 + bad}, outside the SUNBURST base32 alphabet`,
      };
    encoding = 'base32';
    text = utf8(base32Decode(chunk.slice(2)));
  } else {
    text = substitutionDecode(chunk);
    if (text !== null) encoding = 'substitution';
  }
  return { kind: 'domain', fqdn, label, region, uid, key, index, chunk, text, encoding };
}

function dataMessage(fqdn: string, label: string, region: Region, key: number): Decoded {
  if (label.length !== 20 && label.length !== 23)
    return {
      kind: 'invalid',
      fqdn,
      reason: `data message (key 0x${key.toString(16)}) of ${label.length} characters; pings have 20, product reports 23`,
    };
  const bad = firstNonBase32(label);
  if (bad >= 0)
    return {
      kind: 'invalid',
      fqdn,
      reason: `character '${label[bad]}' at ${bad} is outside the SUNBURST base32 alphabet`,
    };
  const b = base32Decode(label);
  const a = b.subarray(1).map((x) => x ^ key);
  const sz = a[8]! >> 4;
  const want = label.length === 20 ? 1 : 2;
  if (sz !== want)
    return {
      kind: 'invalid',
      fqdn,
      reason: `size nibble ${sz} does not fit a ${label.length}-character ${want === 1 ? 'ping' : 'product report'} (expects ${want})`,
    };
  const h = ((a[8]! & 0x0f) << 16) | (a[9]! << 8) | a[10]!;
  const uidBytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) uidBytes[i] = a[i]! ^ a[10 - (i % 2)]!;
  const uid = hex(uidBytes);
  const expected = REGIONS[uidBytes[0]! % 4]!;
  if (expected !== region)
    return {
      kind: 'invalid',
      fqdn,
      reason: `region ${region} does not match uid ${uid} (the implant would use ${expected})`,
    };
  const time = new Date(EPOCH + (h >> 1) * HALF_HOUR).toISOString();
  const base = { fqdn, label, region, uid, key, time, stage2: (h & 1) === 1 };
  if (want === 1) return { kind: 'ping', ...base };
  const word = (a[11]! << 8) | a[12]!;
  return { kind: 'services', ...base, word, products: decodeProducts(word) };
}

const decoder = new TextDecoder('utf-8', { fatal: false });
function utf8(b: Uint8Array): string {
  return decoder.decode(b);
}
