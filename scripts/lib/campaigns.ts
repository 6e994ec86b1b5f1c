/**
 * Generated campaigns for the campaign and retro-hunt tests and benches, shaped on the public
 * reports of NOBELIUM's 25 May 2021 wave (USAID's real Constant Contact account, the click
 * tracker, the "Special Alert!" lure, an ISO on a landing domain) and on a real agency newsletter
 * sent through the same ESP to subscribers at many organisations in the same hour.
 */
import { iso, lnk, message } from './mailfix.ts';

const FIRST = ['anna', 'boris', 'chen', 'dana', 'emil', 'fatima', 'georg', 'hana', 'ivan', 'julia'];
const LAST = ['meyer', 'novak', 'li', 'costa', 'berg', 'haddad', 'weber', 'sato', 'petrov', 'silva'];

export interface Recipient {
  readonly org: string;
  readonly address: string;
  readonly name: string;
}

/** `n` recipients spread over `orgs` organisations (org0.example … ). */
export function recipients(n: number, orgs: number, prefix = 'org'): Recipient[] {
  return Array.from({ length: n }, (_, i) => {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const org = `${prefix}${i % orgs}`;
    return { org, address: `${first}.${last}${i}@${org}.example`, name: `${cap(first)} ${cap(last)}` };
  });
}
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const rnd = (i: number, salt: string) =>
  Buffer.from(`${salt}:${i}:${(i * 2654435761) >>> 0}`)
    .toString('base64url')
    .replace(/[-_]/g, 'x');
const at = (base: string, minutes: number) => new Date(Date.parse(base) + minutes * 60000).toUTCString();

export const NOBELIUM_SENDER = 'ashainfo@usaid.gov';
export const NOBELIUM_LANDING = 'https://theyardservice.com/ICA-declass/';

export function isoPayload(): Buffer {
  return iso([
    { name: 'Reports.lnk', data: lnk('C:\\Windows\\System32\\rundll32.exe', 'Documents.dll,Open') },
    { name: 'Documents.dll', data: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(1000)]) },
  ]);
}

/**
 * One copy of the lure to one recipient. `landing`: the link goes straight to the landing page
 * (as in copies whose gateway did not rewrite it) instead of through the tracker; `attach`: the
 * ISO is attached.
 */
export function nobeliumCopy(
  r: Recipient,
  i: number,
  o: { landing?: boolean; attach?: boolean } = {},
): Buffer {
  const href = o.landing
    ? NOBELIUM_LANDING
    : `https://r20.rs6.net/tn.jsp?f=001${rnd(i, 'f')}&amp;c=${rnd(i, 'c')}&amp;ch=${rnd(i, 'ch')}`;
  return message({
    headers: {
      'Return-Path': `<${rnd(i, 'rp')}_1133104752381_${rnd(i, 'x')}@in.constantcontact.com>`,
      Received: `from ccm30.constantcontact.com (ccm30.constantcontact.com [208.75.123.226]) by mx.${r.org}.example with ESMTPS; ${at('2021-05-25T14:02:00Z', i % 50)}`,
      'DKIM-Signature':
        'v=1; a=rsa-sha256; c=relaxed/relaxed; d=auth.ccsend.com; s=1000073432; h=from:subject; bh=x; b=x',
      'X-Roving-Campaignid': '1140728754811',
      'X-Roving-Id': `1133104752381.${1941549819 + i}`,
      'Message-ID': `<1140728754828.1133104752381.${1941549819 + i}.0.260913JL.2002@synd.ccsend.com>`,
      'List-Unsubscribe': `<https://visitor.constantcontact.com/do?p=un&m=001${rnd(i, 'u')}>`,
      Date: at('2021-05-25T14:02:00Z', i % 50),
      From: `USAID <${NOBELIUM_SENDER}>`,
      To: `${r.name} <${r.address}>`,
      Subject: 'USAID Special Alert!',
    },
    html: `<p>Dear ${r.name},</p><p>Donald Trump has published new documents on election fraud.</p><p><a href="${href}">View documents</a></p><p>USAID | 1300 Pennsylvania Avenue, NW | Washington, DC 20004</p>`,
    ...(o.attach
      ? {
          attachments: [
            { filename: 'ICA-declass.iso', contentType: 'application/octet-stream', data: isoPayload() },
          ],
        }
      : {}),
  });
}

/** One copy of the agency's genuine weekly newsletter: same ESP, signed by the agency's own domain. */
export function newsletterCopy(r: Recipient, i: number): Buffer {
  return message({
    headers: {
      'Return-Path': `<${rnd(i, 'nrp')}_1133104752381_${rnd(i, 'y')}@in.constantcontact.com>`,
      Received: `from ccm27.constantcontact.com (ccm27.constantcontact.com [208.75.123.161]) by mx.${r.org}.example with ESMTPS; ${at('2021-05-24T15:00:00Z', i % 55)}`,
      'DKIM-Signature':
        'v=1; a=rsa-sha256; c=relaxed/relaxed; d=usaid.gov; s=ctct1; h=from:subject; bh=x; b=x',
      'X-Roving-Campaignid': '1140711112222',
      'X-Roving-Id': `1133104752381.${1800000000 + i}`,
      'Message-ID': `<1140711112233.1133104752381.${1800000000 + i}.0.1.2002@synd.ccsend.com>`,
      'List-Unsubscribe': `<https://visitor.constantcontact.com/do?p=un&m=001${rnd(i, 'nu')}>`,
      Date: at('2021-05-24T15:00:00Z', i % 55),
      From: 'USAID Newsletter <news@usaid.gov>',
      To: `${r.name} <${r.address}>`,
      Subject: 'USAID Weekly: new funding for water projects',
    },
    html: `<p>Dear ${r.name},</p><p>This week USAID announced new funding for clean water projects in twelve countries, and our teams report on the harvest season.</p><p><a href="https://r20.rs6.net/tn.jsp?f=001${rnd(i, 'nf')}&amp;c=${rnd(i, 'nc')}&amp;ch=${rnd(i, 'nch')}">Read the story</a></p><p>USAID | 1300 Pennsylvania Avenue, NW | Washington, DC 20004</p>`,
  });
}
