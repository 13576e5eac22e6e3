import { clusterSender } from '../cluster/cluster-send.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { type DigestTemplates, loadTemplates } from '../render/templates.js';
import { resolveSecret } from '../secret.js';
import type { MessageSettings } from '../send/message.js';
import { outboxTransport } from '../send/outbox.js';
import { relaysSettings, relaysTransport } from '../send/relays.js';
import { localSender, type StartSender, senderOptions } from '../send/sender.js';
import type { Transport } from '../send/transport.js';
import type { CategoryLookup } from '../sources/arxiv-categories.js';
import { createCategoryLookup, createSource } from '../sources/create-source.js';
import type { PaperSource } from '../sources/source.js';
import { type Db, openStore } from '../store/db.js';

/** What every door (CLI, server, scheduler) hands the pipeline: chosen once at start-up from the config. */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  secret: string;
  templates: DigestTemplates;
  source: PaperSource;
  /** Finds the arXiv categories of papers that come without them (null: PAPERBOY_ARXIV_CATEGORIES=0). */
  categories: CategoryLookup | null;
  transport: Transport;
  messageSettings: MessageSettings;
  /**
   * The sender, chosen from the store: the send loop on SQLite, the batch workers on PostgreSQL.
   * Its settings are read from this context (senderOptions) when a send starts.
   */
  startSender: StartSender;
  close(): Promise<void>;
}

export async function createContext(config: Config, log: Logger): Promise<AppContext> {
  const templates = loadTemplates(config.templatesDir);
  const secret = resolveSecret(config, log);
  if (config.dkim && config.dkim.bits < 2048) {
    log.warn(
      { event: 'config.dkim.weak', bits: config.dkim.bits },
      `the DKIM key has ${config.dkim.bits} bits; use 2048 (paperboy dkim keygen)`,
    );
  }
  const db = await openStore(config.database);
  const transport = config.smtpUrl
    ? relaysTransport(config.smtpUrls, { ...relaysSettings(config), log })
    : outboxTransport(config.outboxDir);
  const messageSettings: MessageSettings = {
    from: config.from,
    listId: config.listId,
    listName: config.listName,
    baseUrl: config.baseUrl,
    unsubscribeMailto: config.unsubscribeMailto,
    bounceDomain: config.bounceDomain,
    dkim: config.dkim,
    feedbackId: config.feedbackId,
    secret,
  };
  const ctx: AppContext = {
    config,
    log,
    db,
    secret,
    templates,
    source: createSource(config),
    categories: createCategoryLookup(config),
    transport,
    messageSettings,
    startSender: (o) => {
      const send = senderOptions(config, ctx);
      const start =
        config.database.kind === 'postgres' ? clusterSender({ send, config }) : localSender(send, config.rateLimit);
      return start(o);
    },
    async close() {
      await transport.close();
      await db.destroy();
    },
  };
  return ctx;
}
