import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Versioned migrations, applied in name order when a store is opened (Kysely's Migrator keeps the
 * applied names in kysely_migration and locks against a second process migrating at once). A
 * released migration is never edited: a change is a new entry.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const pg = dialect === 'postgres';
  // An auto-numbered key: rowid on SQLite, a sequence on PostgreSQL (64-bit for findings).
  const id = (big = false) => (pg ? (big ? 'bigserial' : 'serial') : 'integer');
  const ref = (big = false) => (pg && big ? 'bigint' : 'integer');
  return {
    '0001_case_store': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('orgs')
          .addColumn('id', id(), (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('verdict', 'text', (c) => c.notNull().defaultTo('unknown'))
          .addColumn('verdict_rank', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('hosts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('n_critical', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('n_high', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('n_medium', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('n_low', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('n_info', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('victims', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('campaigns', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('malicious_campaigns', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('malicious', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_import', 'text')
          .execute();
        // "Who has been hacked": organisations worst first.
        await db.schema.createIndex('orgs_by_verdict').on('orgs').columns(['verdict_rank', 'name']).execute();

        await db.schema
          .createTable('imports')
          .addColumn('id', id(), (c) => c.primaryKey())
          .addColumn('org_id', 'integer', (c) => c.notNull().references('orgs.id'))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text', (c) => c.notNull())
          .addColumn('lines', 'integer', (c) => c.notNull())
          .addColumn('added', 'integer', (c) => c.notNull())
          .addColumn('duplicates', 'integer', (c) => c.notNull())
          .addColumn('malformed', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('imports_by_org').on('imports').columns(['org_id', 'id']).execute();

        await db.schema
          .createTable('findings')
          .addColumn('id', id(true), (c) => c.primaryKey())
          .addColumn('org_id', 'integer', (c) => c.notNull().references('orgs.id'))
          .addColumn('import_id', 'integer')
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('sev_rank', 'integer', (c) => c.notNull())
          .addColumn('host', 'text')
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('findings_fingerprint')
          .on('findings')
          .columns(['org_id', 'fingerprint'])
          .unique()
          .execute();
        // The findings list: most severe first, then newest, optionally by rule or host.
        await db.schema
          .createIndex('findings_by_severity')
          .on('findings')
          .columns(['org_id', 'sev_rank', 'time', 'id'])
          .execute();
        await db.schema
          .createIndex('findings_by_rule')
          .on('findings')
          .columns(['org_id', 'rule', 'sev_rank', 'time', 'id'])
          .execute();
        await db.schema
          .createIndex('findings_by_host')
          .on('findings')
          .columns(['org_id', 'host', 'sev_rank', 'time', 'id'])
          .execute();

        await db.schema
          .createTable('finding_status')
          .addColumn('id', id(true), (c) => c.primaryKey())
          .addColumn('finding_id', ref(true), (c) => c.notNull().references('findings.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('finding_status_by_finding')
          .on('finding_status')
          .columns(['finding_id', 'id'])
          .execute();

        await db.schema
          .createTable('hosts')
          .addColumn('id', id(), (c) => c.primaryKey())
          .addColumn('org_id', 'integer', (c) => c.notNull().references('orgs.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('verdict', 'text')
          .addColumn('verdict_rank', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('verdict_finding_id', ref(true))
          .addColumn('verdict_time', 'text')
          .addColumn('first_activity', 'text')
          .addColumn('build_now', 'text')
          .addColumn('build_now_verdict', 'text')
          .addColumn('build_label', 'text')
          .addColumn('build_then', 'text')
          .addColumn('exposed_then', 'integer')
          .addColumn('fix', 'text')
          .addColumn('attacker_ips', 'text')
          .execute();
        await db.schema
          .createIndex('hosts_by_org')
          .on('hosts')
          .columns(['org_id', 'name'])
          .unique()
          .execute();

        await db.schema
          .createTable('campaigns')
          .addColumn('finding_id', ref(true), (c) => c.primaryKey().references('findings.id'))
          .addColumn('org_id', 'integer', (c) => c.notNull().references('orgs.id'))
          .addColumn('campaign', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('orgs', 'integer', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('subjects', 'text', (c) => c.notNull())
          .addColumn('senders', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('campaigns_by_org')
          .on('campaigns')
          .columns(['org_id', 'campaign'])
          .execute();
        await db.schema
          .createIndex('campaigns_by_id')
          .on('campaigns')
          .columns(['campaign', 'action'])
          .execute();

        await db.schema
          .createTable('sunburst_victims')
          .addColumn('finding_id', ref(true), (c) => c.primaryKey().references('findings.id'))
          .addColumn('org_id', 'integer', (c) => c.notNull().references('orgs.id'))
          .addColumn('uid', 'text', (c) => c.notNull())
          .addColumn('domain', 'text', (c) => c.notNull())
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('victims_by_org')
          .on('sunburst_victims')
          .columns(['org_id', 'uid'])
          .execute();

        await db.schema
          .createTable('tokens')
          .addColumn('id', id(), (c) => c.primaryKey())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('org', 'text')
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
      },
    },
    '0002_store_version': {
      async up(db: Kysely<unknown>) {
        // One counter that every write transaction raises: a reader can tell in one indexed
        // read whether anything changed since it last answered (ETags, answer reuse).
        await db.schema
          .createTable('store_version')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'bigint', (c) => c.notNull())
          .execute();
        await db
          .insertInto('store_version' as never)
          .values({ id: 1, version: 1 } as never)
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
