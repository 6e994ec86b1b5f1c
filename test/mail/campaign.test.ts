import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeOptions } from '../../src/mail/detector.ts';
import { buildIndex } from '../../src/intel/builtin.ts';
import { judgeMessage } from '../../src/mail/hunt/verdict.ts';
import { CampaignEngine } from '../../src/mail/campaign/engine.ts';
import { ClusterStore } from '../../src/mail/campaign/store.ts';
import { linkTemplate, templateWords } from '../../src/mail/campaign/features.ts';
import { signature, similarity, shingles } from '../../src/mail/campaign/minhash.ts';
import { newsletterCopy, nobeliumCopy, recipients } from '../../scripts/lib/campaigns.ts';
import { vigil } from '../support/cli.ts';

const { index } = buildIndex([], true);
const opts = analyzeOptions({}, index);

async function run(msgs: { raw: Buffer; org: string; path: string }[]) {
  const engine = new CampaignEngine(opts.scoring);
  for (const m of msgs) {
    const { verdict, features } = await judgeMessage(m.raw, opts);
    engine.add({ path: m.path, org: m.org }, features, verdict);
  }
  return engine.finish();
}

test('link templates drop per-recipient values; text templates drop the recipient', () => {
  assert.equal(
    linkTemplate('https://r20.rs6.net/tn.jsp?f=001qpW9gPmB3sCmYw&c=abc&ch=def'),
    'r#.rs#.net/tn.jsp?c&ch&f',
  );
  assert.equal(
    linkTemplate('https://theyardservice.com/ICA-declass/a8Fh2kQ9zLm3?id=7'),
    'theyardservice.com/ica-declass/*?id',
  );
  assert.deepEqual(templateWords('Dear Anna Meyer, see anna.meyer@x.example: 12 files', ['anna', 'meyer']), [
    'dear',
    'see',
    '#',
    'files',
  ]);
  const a = signature(shingles('the quick brown fox jumps over the lazy dog again and again'.split(' ')));
  const b = signature(shingles('the quick brown fox jumps over the lazy cat again and again'.split(' ')));
  const c = signature(shingles('an entirely different message about water projects and funding'.split(' ')));
  assert.ok(similarity(a, b) > similarity(a, c));
  assert.equal(similarity(a, a), 1);
});

test('the store clusters by LSH buckets and exact keys, and forgets the oldest singletons beyond its bound', () => {
  const s = new ClusterStore({ maxOpen: 2 });
  const words = (k: number) => Array.from({ length: 30 }, (_, i) => `w${k}x${i}`);
  const x = s.add({ sig: signature(shingles(words(1))), keys: [] });
  const y = s.add({ sig: signature(shingles(words(1))), keys: [] });
  const z = s.add({ sig: signature(shingles(words(2))), keys: ['esp-campaign:k'] });
  const w = s.add({ sig: signature(shingles(words(3))), keys: ['esp-campaign:k'] });
  assert.equal(s.clusterOf(x), s.clusterOf(y));
  assert.equal(s.clusterOf(z), s.clusterOf(w));
  assert.notEqual(s.clusterOf(x), s.clusterOf(z));
  // Three new singletons push the oldest singleton past maxOpen: its copy no longer joins it.
  const a = s.add({ sig: signature(shingles(words(4))), keys: [] });
  s.add({ sig: signature(shingles(words(5))), keys: [] });
  s.add({ sig: signature(shingles(words(6))), keys: [] });
  const a2 = s.add({ sig: signature(shingles(words(4))), keys: [] });
  assert.notEqual(s.clusterOf(a), s.clusterOf(a2));
  assert.equal(s.retired, 2);
  assert.deepEqual(
    s.clusters(2).map((c) => c.length),
    [2, 2],
  );
});

test('THE TRAP: a broad genuine newsletter through the ESP is not pulled; the NOBELIUM campaign is', async () => {
  // 240 subscribers at 40 organisations get the agency's newsletter within the hour; 60 accounts at
  // 30 organisations get the lure from the same ESP account the next day.
  const subs = recipients(240, 40, 'gov');
  const targets = recipients(60, 30, 'ngo');
  const msgs = [
    ...subs.map((r, i) => ({ raw: newsletterCopy(r, i), org: r.org, path: `news/${i}.eml` })),
    ...targets.map((r, i) => ({ raw: nobeliumCopy(r, i), org: r.org, path: `lure/${i}.eml` })),
  ];
  const { judged, campaigns } = await run(msgs);
  assert.equal(campaigns.length, 2, campaigns.map((c) => c.judgement.subjects[0]).join(' / '));
  const news = campaigns.find((c) => c.judgement.subjects[0]!.startsWith('USAID Weekly'))!;
  const lure = campaigns.find((c) => c.judgement.subjects[0] === 'USAID Special Alert!')!;
  assert.equal(news.judgement.size, 240);
  assert.equal(news.judgement.orgs.length, 40);
  assert.equal(news.judgement.broad, true);
  assert.equal(news.judgement.action, 'no_action');
  assert.equal(news.judgement.signal, undefined);
  assert.equal(lure.judgement.size, 60);
  assert.equal(lure.judgement.orgs.length, 30);
  assert.equal(lure.judgement.action, 'quarantine');
  assert.equal(lure.judgement.signal?.name, 'CAMPAIGN_BROAD_TRUSTED_SENDER');
  // What ties the copies: the ESP campaign id, the account, the tracker template, the sender.
  assert.deepEqual(lure.judgement.shared['esp-campaign'], ['ctct:1140728754811']);
  assert.deepEqual(lure.judgement.shared['esp-account'], ['ctct:1133104752381']);
  assert.deepEqual(lure.judgement.shared['link'], ['r#.rs#.net/tn.jsp?c&ch&f']);
  assert.deepEqual(lure.judgement.senders, ['ashainfo@usaid.gov']);
  for (const j of judged) {
    if (j.ref.path.startsWith('news/')) {
      assert.equal(j.verdict.action, 'no_action', `${j.ref.path}: ${j.verdict.signals.map((s) => s.name)}`);
      assert.equal(j.campaign, news.judgement.id);
    } else {
      assert.equal(j.verdict.action, 'quarantine', j.ref.path);
      const s = j.verdict.signals.find((x) => x.name === 'CAMPAIGN_BROAD_TRUSTED_SENDER')!;
      assert.equal(s.evidence['campaign'], lure.judgement.id);
      // The weight lifts the copy's own score exactly to the quarantine threshold.
      assert.equal(j.verdict.score, 6);
    }
  }
});

test('one copy with an indicator (the landing domain) or a payload pulls every copy, and says which', async () => {
  const targets = recipients(12, 6, 'ngo');
  const withIoc = await run(
    targets.map((r, i) => ({ raw: nobeliumCopy(r, i, { landing: i === 7 }), org: r.org, path: `${i}.eml` })),
  );
  assert.equal(withIoc.campaigns.length, 1);
  const c = withIoc.campaigns[0]!.judgement;
  assert.equal(c.action, 'reject');
  assert.equal(c.signal?.name, 'CAMPAIGN_IOC');
  assert.equal(c.signal?.evidence['indicator'], 'theyardservice.com');
  for (const j of withIoc.judged) {
    assert.equal(j.verdict.action, 'reject');
    assert.ok(j.verdict.signals.some((s) => s.name === 'CAMPAIGN_IOC'));
  }
  // The copy that matched the indicator also matched it on its own.
  assert.ok(withIoc.judged[7]!.verdict.signals.some((s) => s.name === 'URL_IOC'));

  const withIso = await run(
    targets.map((r, i) => ({ raw: nobeliumCopy(r, i, { attach: i === 3 }), org: r.org, path: `${i}.eml` })),
  );
  assert.equal(withIso.campaigns.length, 1);
  assert.equal(withIso.campaigns[0]!.judgement.signal?.name, 'CAMPAIGN_MALICIOUS_MEMBER');
  const action = withIso.judged[3]!.verdict.action;
  assert.ok(action === 'quarantine' || action === 'reject');
  for (const j of withIso.judged) assert.equal(j.verdict.action, action);
});

test('vigil mail scan over a folder uses the same campaign judgement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-campaign-'));
  try {
    mkdirSync(join(dir, 'in'));
    recipients(6, 6, 'ngo').forEach((r, i) =>
      writeFileSync(join(dir, 'in', `lure${i}.eml`), nobeliumCopy(r, i)),
    );
    recipients(5, 5, 'gov').forEach((r, i) =>
      writeFileSync(join(dir, 'in', `news${i}.eml`), newsletterCopy(r, i)),
    );
    const out = vigil(['mail', 'scan', join(dir, 'in'), '--format', 'jsonl', '-q']);
    const fs = out.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { rule: string; evidence: Record<string, unknown>; source: { path: string } },
      );
    const camps = fs.filter((f) => f.rule === 'mail.campaign');
    assert.deepEqual(camps.map((c) => [c.evidence['size'], c.evidence['action']]).sort(), [
      [5, 'no_action'],
      [6, 'quarantine'],
    ]);
    const verdicts = fs.filter((f) => f.rule === 'mail.verdict');
    assert.equal(verdicts.length, 11);
    for (const v of verdicts) {
      assert.equal(v.evidence['campaignFeatures'], undefined);
      assert.equal(v.evidence['action'], /lure/.test(v.source.path) ? 'quarantine' : 'no_action');
    }
    assert.equal(out.code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
